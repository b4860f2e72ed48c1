from django.shortcuts import render
from django.utils import timezone

from accounts.access import portal_view
from evaluations.models import AccountStatus
from evaluations.services.scaling import scaling_progress_of
from portal import charts, selectors
from portal.live_banner import banner
from portal.views import panels


@portal_view
def account_detail(request, login: str):
    """One account: objectives, limits, charts, statistics, and what its status means."""
    account = selectors.account_for_trader(request.user, login)
    metrics = selectors.metrics_of(account)
    now = timezone.now()
    tz = request.trader_tz
    phase = account.phase
    days = selectors.daily_metrics(account)
    balance = selectors.closed_balance_series(account)
    equity, equity_range = selectors.equity_series_with_range(account)
    violations = selectors.account_violations(account)
    failing = None
    if account.status == AccountStatus.FAILED:
        failing = next((v for v in violations if v.failed_account), None) or next(
            (v for v in violations if v.severity == "hard"), None
        )
    scaling = scaling_progress_of(account) if account.status == AccountStatus.FUNDED else None
    figures = {
        "balance": charts.balance_figure(
            balance=balance,
            equity=equity,
            equity_range=equity_range,
            days=days,
            reset_tz=phase.reset_tz,
            reset_hour=phase.reset_hour,
            currency=account.currency,
            tz=tz,
        ),
        "daily": charts.daily_pnl_figure(days=days, currency=account.currency),
        "drawdown": charts.drawdown_figure(
            series=selectors.drawdown_series(account, metrics),
            currency=account.currency,
            tz=tz,
            scale=account.initial_balance,
        ),
    }
    context = {
        "account": account,
        "metrics": metrics,
        "objectives": panels.objectives(metrics),
        "limits": panels.limits(account, metrics, now) if account.is_open else None,
        "paused_until": selectors.paused_until(account, now) if account.is_open else None,
        "live_banner": banner([account], now),
        "stats": panels.statistics(metrics),
        "progression": panels.progression(account),
        "eligibility": panels.payout_eligibility(account),
        "payout_since_start": panels.payout_since_start(account),
        "scaling_line": scaling.sentence(account.currency) if scaling else "",
        "failing": failing,
        "warnings": [v for v in violations if v.severity == "soft"],
        "platform": panels.platform_lines(selectors.platform_commands(account)),
        "figures": figures,
        "has_days": bool(days),
        "tz_name": str(tz),
    }
    return render(request, "portal/account.html", context)
