"""The risk desk's abuse case queue and case page (staff area): parse, call abuse's selectors
and services, render. Assign, comment and decide are POST-only and redirect back to the case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from abuse import selectors
from abuse.models import DECIDE_CASE, VIEW_CASE, Case, CaseStatus, Decision
from abuse.services import decisions

from . import charts
from .access import staff_view
from .views import _page

CASE_ROLES = (VIEW_CASE,)


@staff_view(*CASE_ROLES)
def case_queue(request):
    status = request.GET.get("status", CaseStatus.OPEN)
    if status not in CaseStatus.values:
        status = CaseStatus.OPEN
    order = request.GET.get("order", "score")
    cases = list(selectors.case_queue(status, order)[:200])
    context = {"cases": cases, "status": status, "order": order, "statuses": CaseStatus.choices}
    return _page(request, "reports/abuse_queue.html", "reports:abuse_cases", context)


def _case(pk: int) -> Case:
    try:
        return selectors.case_for_page(pk)
    except Case.DoesNotExist as exc:
        raise Http404("No such case.") from exc


@staff_view(*CASE_ROLES)
def case_page(request, case_id: int):
    case = _case(case_id)
    trades = selectors.case_trades(case)
    context = {
        "case": case,
        "findings": list(case.findings.order_by("-score", "pk")),
        "comments": list(case.comments.select_related("author")),
        "accounts": list(trades),
        "identities": selectors.shared_identities(case),
        "figure": charts.case_timeline_figure(trades),
        "may_decide": request.user.has_perm(DECIDE_CASE),
        "decisions": Decision.choices,
        "risk_users": get_user_model()
        .objects.filter(groups__name="risk", is_active=True)
        .order_by("email"),
    }
    return _page(request, "reports/abuse_case.html", "reports:abuse_cases", context)


def _act(request, case_id: int, action) -> object:
    if not request.user.has_perm(DECIDE_CASE):
        raise PermissionDenied("Only the risk desk handles abuse cases.")
    case = _case(case_id)
    try:
        action(case)
    except decisions.CaseError as exc:
        messages.error(request, str(exc))
    return redirect("reports:abuse_case", case_id=case.pk)


@require_POST
@staff_view(*CASE_ROLES)
def case_assign(request, case_id: int):
    email = request.POST.get("assignee", "").strip()
    to = get_user_model().objects.filter(email=email).first() if email else None
    return _act(request, case_id, lambda case: decisions.assign_case(case, to=to, by=request.user))


@require_POST
@staff_view(*CASE_ROLES)
def case_comment(request, case_id: int):
    text = request.POST.get("text", "")
    return _act(
        request, case_id, lambda case: decisions.comment_case(case, text=text, by=request.user)
    )


@require_POST
@staff_view(*CASE_ROLES)
def case_decide(request, case_id: int):
    def decide(case):
        if request.POST.get("confirm") != "yes":
            raise decisions.CaseError("Tick the confirmation to decide the case.")
        decisions.decide_case(
            case,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
            by=request.user,
        )
        messages.success(request, f"Case #{case.pk} decided.")

    return _act(request, case_id, decide)
