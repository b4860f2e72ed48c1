"""Payout pages: the trader's request flow and the finance queue. Thin: parse, call a service or
selector, render. Business rules live in `payouts.services` and `payouts.eligibility`."""

from __future__ import annotations

import datetime as dt

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import portal_view
from config.forms import filter_errors_response
from evaluations.models import TradingAccount

from . import payee, selectors, services
from .eligibility import trader_share
from .forms import ExportForm, PayeeDestinationForm, PayForm, PayoutAmountForm, RejectForm
from .models import EXPORT_PERMISSION, VIEW_PERMISSION, PayoutRequest, PayoutStatus


def _safe_next(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _back(request, payout_id: int):
    """Return to the page the action came from (the queue or the detail page)."""
    target = _safe_next(request)
    return redirect(target) if target else redirect("payouts:detail", pk=payout_id)


@portal_view
def index(request):
    """The trader's funded accounts with what stands between them and a payout, and their
    requests; staff who can see payouts get a link to the queue."""
    rows = [
        (account, selectors.account_eligibility(account), selectors.profit_since_start(account))
        for account in selectors.accounts_for_payout(request.user)
    ]
    context = {
        "rows": rows,
        "payouts": selectors.payouts_of_trader(request.user),
        "can_see_queue": request.user.has_perm(VIEW_PERMISSION),
        "payee": selectors.payee_summary(request.user),
        "tz_name": str(request.trader_tz),
    }
    return render(request, "payouts/index.html", context)


def _payee_or_404(user) -> selectors.PayeeSummary:
    summary = selectors.payee_summary(user)
    if summary is None:
        raise Http404("Only traders have a payout destination")
    return summary


@portal_view
def destination(request):
    """Where the trader is paid, and the form to change it (after a fresh re-authentication;
    the change counts once confirmed from the emailed link)."""
    return _destination_form(request, _payee_or_404(request.user))


@reauthentication_required
def _destination_form(request, summary):
    form = PayeeDestinationForm(request.POST or None, initial={"method": summary.method})
    if request.method == "POST" and form.is_valid():
        payee.request_trader_change(
            request.user,
            method=form.cleaned_data["method"],
            details=form.cleaned_data["details"],
            by=request.user,
        )
        messages.success(
            request,
            f"We emailed a confirmation link to {request.user.email}: the new destination "
            "counts once you follow it.",
        )
        return redirect("payouts:destination")
    context = {
        "payee": summary,
        "form": form,
        "cooling_off_hours": settings.PAYEE_COOLING_OFF_HOURS,
        "tz_name": str(request.trader_tz),
    }
    return render(request, "payouts/destination.html", context)


@portal_view
def destination_confirm(request):
    """The emailed link: a page with one button (mail scanners that open links change
    nothing); pressing it makes the change effective."""
    _payee_or_404(request.user)
    token = request.POST.get("token") or request.GET.get("token") or ""
    if request.method == "POST":
        try:
            payee.confirm_trader_change(token, by=request.user)
        except payee.PayeeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Your new payout destination is confirmed.")
        return redirect("payouts:destination")
    return render(request, "payouts/destination_confirm.html", {"token": token})


@portal_view
def account_payout(request, login: str):
    """Eligibility with every reason, then amount → confirm (split and share shown) → request."""
    try:
        account = selectors.account_for_payout(request.user, login)
    except TradingAccount.DoesNotExist as exc:
        raise Http404("No such funded account") from exc
    eligibility = selectors.account_eligibility(account)
    form = PayoutAmountForm(
        request.POST or None,
        eligible_amount=eligibility.eligible_amount,
        initial={"amount": eligibility.eligible_amount},
    )
    context = {
        "account": account,
        "eligibility": eligibility,
        "balance": account.initial_balance + eligibility.profit,
        "since_start": selectors.profit_since_start(account),
        "form": form,
        "tz_name": str(request.trader_tz),
    }
    if request.method == "POST" and eligibility.eligible and form.is_valid():
        amount = form.cleaned_data["amount"]
        if request.POST.get("confirm") != "yes":
            context["amount"] = amount
            context["share"] = trader_share(amount, eligibility.split_percent)
            return render(request, "payouts/confirm.html", context)
        try:
            payout = services.request_payout(account, by=request.user, amount=amount)
        except services.PayoutError as exc:
            messages.error(request, str(exc))
            return redirect("payouts:account", login=login)
        messages.success(
            request,
            f"Payout #{payout.pk} requested: you will receive {payout.trader_share} "
            f"{payout.currency} once finance has approved and paid it.",
        )
        return redirect("payouts:detail", pk=payout.pk)
    return render(request, "payouts/account.html", context)


@portal_view
def detail(request, pk: int):
    """One request: amounts, status, the rejection reason, its audit trail and, for whoever
    may act on it, the buttons."""
    try:
        payout = selectors.payout_for_viewer(request.user, pk)
    except PayoutRequest.DoesNotExist as exc:
        raise Http404("No such payout") from exc
    is_staff_viewer = request.user.has_perm(VIEW_PERMISSION)
    context = {
        "payout": payout,
        "actions": selectors.allowed_actions(payout, request.user),
        "is_staff_viewer": is_staff_viewer,
        "recheck": selectors.payout_recheck(payout) if is_staff_viewer else None,
        "kyc_status": getattr(
            getattr(payout.account.trader, "trader_profile", None), "get_kyc_status_display", None
        ),
        "is_own": payout.account.trader_id == request.user.pk,
        "tz_name": str(request.trader_tz),
    }
    return render(request, "payouts/detail.html", context)


def _act(request, pk: int, action, success):
    """Run `action`; on success flash `success(payout)`, on a refusal its reason."""
    try:
        payout = action()
    except PayoutRequest.DoesNotExist as exc:
        raise Http404("No such payout") from exc
    except services.PayoutError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success(payout))
    return _back(request, pk)


@require_POST
@login_required
def cancel(request, pk: int):
    _own_or_404(request.user, pk)
    return _act(
        request,
        pk,
        lambda: services.cancel_payout(pk, by=request.user),
        lambda payout: f"Payout request #{payout.pk} cancelled.",
    )


def _own_or_404(user, pk: int) -> None:
    """Traders only ever learn about their own requests."""
    if not selectors.payouts_of_trader(user).filter(pk=pk).exists() and not user.has_perm(
        VIEW_PERMISSION
    ):
        raise Http404("No such payout")


CONFIRM_TITLES = {
    "approve": "Approve payout #{pk}?",
    "reject": "Reject payout #{pk}?",
    "pay": "Mark payout #{pk} paid?",
}


def _confirmation(request, pk: int, action: str, form=None):
    """The confirmation step of approve, reject and pay: what will happen to which money (the
    amount, the trader, the destination), and the one button that does it (`confirm=yes`).
    None when the user may not take the action now: the service then refuses with its
    reason, and nothing changes either way."""
    try:
        payout = selectors.payout_for_viewer(request.user, pk)
    except PayoutRequest.DoesNotExist as exc:
        raise Http404("No such payout") from exc
    if action not in selectors.allowed_actions(payout, request.user):
        return None
    context = {
        "payout": payout,
        "action": action,
        "title": CONFIRM_TITLES[action].format(pk=pk),
        "form": form,
        "next_url": _safe_next(request),
        "second_approval_due": action == "approve"
        and services.needs_second_approver(payout)
        and not payout.first_approved_by_id,
    }
    return render(request, "payouts/action_confirm.html", context)


def _confirmed(request) -> bool:
    return request.POST.get("confirm") == "yes"


@require_POST
@login_required
def approve(request, pk: int):
    _own_or_404(request.user, pk)
    if not _confirmed(request) and (page := _confirmation(request, pk, "approve")):
        return page
    return _act(
        request,
        pk,
        lambda: services.approve_payout(pk, by=request.user),
        lambda payout: f"Payout #{payout.pk}: {payout.get_status_display()} — approval recorded.",
    )


@require_POST
@login_required
def reject(request, pk: int):
    _own_or_404(request.user, pk)
    form = RejectForm(request.POST)
    if not _confirmed(request) or not form.is_valid():
        shown = form if _confirmed(request) else RejectForm(initial=request.POST)
        if page := _confirmation(request, pk, "reject", shown):
            return page
        if not form.is_valid():
            messages.error(request, "A rejection needs a reason the trader will read.")
            return _back(request, pk)
    return _act(
        request,
        pk,
        lambda: services.reject_payout(pk, by=request.user, reason=form.cleaned_data["reason"]),
        lambda payout: f"Payout #{payout.pk} rejected.",
    )


@require_POST
@login_required
def pay(request, pk: int):
    _own_or_404(request.user, pk)
    form = PayForm(request.POST)
    if not _confirmed(request) or not form.is_valid():
        shown = form if _confirmed(request) else PayForm(initial=request.POST)
        if page := _confirmation(request, pk, "pay", shown):
            return page
        if not form.is_valid():
            messages.error(request, "Marking paid needs the payment reference.")
            return _back(request, pk)
    return _act(
        request,
        pk,
        lambda: services.mark_payout_paid(
            pk, by=request.user, reference=form.cleaned_data["reference"]
        ),
        lambda payout: f"Payout #{payout.pk} marked paid ({payout.payment_reference}).",
    )


@never_cache
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def queue(request):
    """The finance queue: open requests oldest first (or one status), with their actions."""
    status = request.GET.get("status") or None
    if status not in (None, *PayoutStatus.values):
        status = None
    payouts = list(selectors.payout_queue(status)[:200])
    rows = [(payout, selectors.allowed_actions(payout, request.user)) for payout in payouts]
    context = {
        "rows": rows,
        "status": status,
        "statuses": PayoutStatus.choices,
        "export_form": ExportForm(),
        "can_export": request.user.has_perm(EXPORT_PERMISSION),
    }
    return render(request, "payouts/queue.html", context)


def _utc_midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) if day else None


@never_cache
@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def export_csv(request):
    """Paid requests as CSV for the payment run (optionally paid in [from, to) UTC dates)."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return filter_errors_response(form)
    paid_from = _utc_midnight(form.cleaned_data["paid_from"])
    paid_to = _utc_midnight(form.cleaned_data["paid_to"])
    body = services.export_paid_payouts_csv(
        selectors.paid_payouts(paid_from, paid_to), by=request.user
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="payouts-paid-{stamp}.csv"'
    return response
