from django.http import Http404
from django.shortcuts import render

from accounts.access import portal_view
from evaluations.models import AccountStatus
from portal import charts, selectors


def _explanation(request, account, violation, *, is_failure: bool):
    tz = request.trader_tz
    context = {
        "account": account,
        "violation": violation,
        "is_failure": is_failure,
        "trades": selectors.evidence_trades(violation),
        "warnings": [
            v
            for v in selectors.account_violations(account)
            if v.severity == "soft" and v.pk != violation.pk
        ],
        "figure": None,
        "tz_name": str(tz),
    }
    if violation.day is not None:
        path = selectors.day_path(account, violation.day)
        context["day"] = path
        context["figure"] = charts.failure_day_figure(
            path=path, violation=violation, currency=account.currency, tz=tz
        )
    return render(request, "portal/violation.html", context)


@portal_view
def failure(request, login: str):
    """Why a failed account failed: the breaking violation, its day, and the trades behind it."""
    account = selectors.account_for_trader(request.user, login)
    violation = selectors.failing_violation(account)
    if account.status != AccountStatus.FAILED or violation is None:
        raise Http404("This account has not failed")
    return _explanation(request, account, violation, is_failure=True)


@portal_view
def violation_detail(request, login: str, pk: int):
    """One violation (hard or soft) of one of the trader's accounts, explained."""
    violation = selectors.violation_for_trader(request.user, login, pk)
    return _explanation(request, violation.account, violation, is_failure=False)
