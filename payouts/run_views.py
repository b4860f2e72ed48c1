"""Finance's payment-run pages: approved payouts → a run → the bank's files → paid. Thin: parse,
call `payouts.payment_runs`, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import payment_runs, selectors
from .models import EXPORT_PERMISSION, PAY_PERMISSION
from .services import PayoutError


@never_cache
@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def runs(request):
    """The approved payouts waiting for a run (select some → create), and the runs so far."""
    if request.method == "POST":
        if not request.user.has_perm(PAY_PERMISSION):
            messages.error(request, "Only finance staff create payment runs.")
            return redirect("payouts:runs")
        try:
            run = payment_runs.create_payment_run(request.POST.getlist("payout"), by=request.user)
        except (PayoutError, ValueError) as exc:
            messages.error(request, str(exc))
            return redirect("payouts:runs")
        messages.success(request, f"Payment run #{run.pk} created: export it for the bank.")
        return redirect("payouts:run", run_id=run.pk)
    context = {
        "ready": list(selectors.payouts_ready_for_run()[:500]),
        "runs": list(selectors.payment_runs()[:50]),
    }
    return render(request, "payouts/runs.html", context)


@never_cache
@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def run(request, run_id: int):
    payment_run = get_object_or_404(selectors.payment_runs(), pk=run_id)
    payouts = list(payment_run.payouts.select_related("account", "account__trader").order_by("pk"))
    context = {
        "run": payment_run,
        "payouts": payouts,
        "sepa_problems": payment_runs.sepa_problems(payment_run, payouts),
        "confirming": request.GET.get("confirm") == "pay",
    }
    return render(request, "payouts/run.html", context)


def _download(request, run_id: int, export, content_type: str, extension: str):
    payment_run = get_object_or_404(selectors.payment_runs(), pk=run_id)
    try:
        body = export(payment_run, by=request.user)
    except (PayoutError, ValueError) as exc:
        messages.error(request, str(exc))
        return run(request, run_id)  # the run's page, with why there is no file
    response = HttpResponse(body, content_type=content_type)
    filename = f"payment-run-{payment_run.pk}-{payment_run.message_id}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def run_csv(request, run_id: int):
    return _download(request, run_id, payment_runs.export_run_csv, "text/csv; charset=utf-8", "csv")


@never_cache
@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def run_pain001(request, run_id: int):
    return _download(
        request, run_id, payment_runs.export_run_pain001, "application/xml", "pain001.xml"
    )


@require_POST
@login_required
@permission_required(PAY_PERMISSION, raise_exception=True)
def run_pay(request, run_id: int):
    """Mark the whole run paid with the bank's reference; the page asked for confirmation."""
    get_object_or_404(selectors.payment_runs(), pk=run_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Confirm that the bank executed the batch.")
        return redirect("payouts:run", run_id=run_id)
    try:
        paid = payment_runs.mark_run_paid(
            run_id, by=request.user, bank_reference=request.POST.get("bank_reference", "")
        )
    except PayoutError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Payment run #{paid.pk} paid: {paid.payout_count} payouts marked paid."
        )
    return redirect("payouts:run", run_id=run_id)


@require_POST
@login_required
@permission_required(PAY_PERMISSION, raise_exception=True)
def run_cancel(request, run_id: int):
    get_object_or_404(selectors.payment_runs(), pk=run_id)
    try:
        payment_runs.cancel_payment_run(run_id, by=request.user)
    except PayoutError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Payment run #{run_id} cancelled: its payouts are free again.")
    return redirect("payouts:run", run_id=run_id)
