from django.shortcuts import render

from accounts.access import portal_view
from portal import month_calendar, selectors, statistics_selectors
from portal.statistics import format_duration, trade_statistics
from risk.models import Basis


@portal_view
def account_statistics(request, login: str):
    """The account's statistics: expectancy, ratios, streaks, holding time, long/short and
    per-symbol results, one row per trading day, and a month calendar of daily results."""
    account = selectors.account_for_trader(request.user, login)
    metrics = selectors.metrics_of(account)
    stats = trade_statistics(
        statistics_selectors.trade_groups(account), statistics_selectors.trade_outcomes(account)
    )
    days = statistics_selectors.trading_days(account)
    results = {d.day: d.net for d in days}
    last = days[-1].day if days else account.started_at.date()
    shown = month_calendar.parse_month(request.GET.get("month"), last)
    grid = month_calendar.month_calendar(
        shown, results, days[0].day if days else None, days[-1].day if days else None
    )
    return render(
        request,
        "portal/statistics.html",
        {
            "account": account,
            "stats": stats,
            "average_holding": format_duration(stats.total.average_holding),
            "sides": [stats.long, stats.short],
            "days": days,
            "with_snapshots": metrics is not None and metrics.basis == Basis.EQUITY_SNAPSHOTS,
            "calendar": grid,
            "weekdays": month_calendar.WEEKDAYS,
            "tz_name": str(request.trader_tz),
        },
    )
