"""Staff dashboards: parse the filters, call the selectors, build the figures, render.

Each dashboard is one page with a date range and a program filter; every table on it links to
its CSV export with the same filters. The risk monitor's panel is also served alone, for the
page to fetch again with htmx when the live events report a breach or a command.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.session_lifetime import background_poll
from config.forms import filter_errors_response
from risk.services.failures import open_failures

from . import charts, selectors
from .access import STAFF_PERMISSIONS, may_view, staff_view
from .exports import csv_response
from .forms import ReportFilterForm
from .models import VIEW_FUNNEL, VIEW_LEADERBOARD, VIEW_MONEY, VIEW_RISK_MONITOR
from .tables import TABLES

# The range a dashboard shows when none is chosen: today for the risk monitor, ~6 months of
# cohorts for the funnel, a year of money, a month of trading for the leaderboard.
DEFAULT_DAYS = {VIEW_RISK_MONITOR: 1, VIEW_FUNNEL: 183, VIEW_MONEY: 365, VIEW_LEADERBOARD: 30}
TRADER_DEFAULT_DAYS = 90

DASHBOARDS = (
    (
        "reports:risk",
        "Risk monitor",
        VIEW_RISK_MONITOR,
        "Accounts nearest their loss limits, today's violations, exposure. Refreshes on breaches.",
    ),
    (
        "reports:live",
        "Live monitor",
        VIEW_RISK_MONITOR,
        "Live equity nearest the loss limits, breaches and enforcement commands as they happen.",
    ),
    (
        "reports:funnel",
        "Program funnel",
        VIEW_FUNNEL,
        "Started → passed → funded → paid out, pass rates, failing rules, days to pass.",
    ),
    (
        "reports:money",
        "Money",
        VIEW_MONEY,
        "Fees collected against payouts paid by month; payout liability.",
    ),
    (
        "reports:leaderboard",
        "Traders",
        VIEW_LEADERBOARD,
        "Leaderboard by net P&L; each trader's accounts and history.",
    ),
    (
        "reports:abuse_cases",
        "Abuse cases",
        "abuse.view_case",
        "Copy trading, shared devices, group hedging, tick scalping: cases to decide.",
    ),
)


def refresh_seconds() -> int:
    """The least time between two refreshes of the risk monitor's panel, however many breaches
    and commands the live events report (static/js/live_monitor.js)."""
    return int(getattr(settings, "REPORTS_RISK_REFRESH_SECONDS", 5))


def _nav(user, current: str) -> list[dict]:
    return [
        {"url": reverse(name), "title": title, "current": name == current}
        for name, title, permission, _ in DASHBOARDS
        if may_view(user, permission)
    ]


def _filters(request, default_days: int) -> tuple[ReportFilterForm, selectors.ReportFilter]:
    form = ReportFilterForm(request.GET or None, default_days=default_days)
    return form, form.report_filter()


def _table(slug: str, rows, request, **url_kwargs) -> dict:
    table = TABLES[slug]
    name = "reports:trader_export" if table.per_trader else "reports:export"
    url = reverse(name, kwargs={"slug": slug, **url_kwargs})
    query = request.GET.urlencode()
    return {
        "table": table,
        "rows": rows,
        "export_url": f"{url}?{query}" if query else url,
        "truncated": table.limit is not None and len(rows) >= table.limit,
    }


def _page(request, template: str, current: str, context: dict):
    context = {"nav": _nav(request.user, current), "query": request.GET.urlencode(), **context}
    return render(request, template, context)


@staff_view(*STAFF_PERMISSIONS)
def index(request):
    cards = [
        {"url": reverse(name), "title": title, "text": text}
        for name, title, permission, text in DASHBOARDS
        if may_view(request.user, permission)
    ]
    return _page(request, "reports/index.html", "", {"cards": cards})


def _risk_context(request, flt: selectors.ReportFilter) -> dict:
    closest = list(TABLES["closest-to-limits"].rows(flt, limit=TABLES["closest-to-limits"].limit))
    by_rule = list(TABLES["violations-by-rule"].rows(flt))
    statuses = list(TABLES["accounts-by-status"].rows(flt))
    exposure = list(TABLES["open-exposure"].rows(flt))
    return {
        "flt": flt,
        "floating": selectors.floating_pnl(flt),
        "evaluation_failures": list(open_failures()[:50]),
        "new_violations": sum(r["violations"] for r in by_rule),
        "tables": {
            "closest": _table("closest-to-limits", closest, request),
            "by_rule": _table("violations-by-rule", by_rule, request),
            "statuses": _table("accounts-by-status", statuses, request),
            "exposure": _table("open-exposure", exposure, request),
        },
        "figures": {
            "closest": charts.closest_to_limits_figure(closest),
            "by_rule": charts.violations_by_rule_figure(by_rule),
            "statuses": charts.accounts_by_status_figure(statuses),
            "exposure": charts.exposure_figure(exposure),
        },
        "refresh_seconds": refresh_seconds(),
    }


@staff_view(VIEW_RISK_MONITOR)
def risk_monitor(request):
    form, flt = _filters(request, DEFAULT_DAYS[VIEW_RISK_MONITOR])
    context = {"form": form, **_risk_context(request, flt)}
    return _page(request, "reports/risk_monitor.html", "reports:risk", context)


@background_poll
@staff_view(VIEW_RISK_MONITOR)
def risk_panel(request):
    """The risk monitor's figures alone: what the page swaps in after a live breach or command."""
    _, flt = _filters(request, DEFAULT_DAYS[VIEW_RISK_MONITOR])
    return render(request, "reports/_risk_panel.html", _risk_context(request, flt))


@staff_view(VIEW_FUNNEL)
def funnel(request):
    form, flt = _filters(request, DEFAULT_DAYS[VIEW_FUNNEL])
    cohorts = list(TABLES["funnel"].rows(flt))
    failing = list(TABLES["failing-rules"].rows(flt))
    days = list(TABLES["days-to-pass"].rows(flt))
    totals = selectors.funnel_totals(cohorts)
    context = {
        "form": form,
        "flt": flt,
        "totals": totals,
        "tables": {
            "funnel": _table("funnel", cohorts, request),
            "failing": _table("failing-rules", failing, request),
            "days": _table("days-to-pass", days, request),
        },
        "figures": {
            "funnel": charts.funnel_figure(totals),
            "pass_rates": charts.pass_rate_figure(cohorts),
            "failing": charts.failing_rules_figure(failing),
            "days": charts.days_to_pass_figure(days),
        },
    }
    return _page(request, "reports/funnel.html", "reports:funnel", context)


@staff_view(VIEW_MONEY)
def money(request):
    form, flt = _filters(request, DEFAULT_DAYS[VIEW_MONEY])
    months = list(TABLES["fees-and-payouts"].rows(flt))
    liability = list(TABLES["liability"].rows(flt, limit=TABLES["liability"].limit))
    context = {
        "form": form,
        "flt": flt,
        "liability_totals": selectors.payout_liability(flt),
        "tables": {
            "months": _table("fees-and-payouts", months, request),
            "liability": _table("liability", liability, request),
        },
        "figures": {"months": charts.fees_vs_payouts_figure(months)},
    }
    return _page(request, "reports/money.html", "reports:money", context)


@staff_view(VIEW_LEADERBOARD)
def leaderboard(request):
    form, flt = _filters(request, DEFAULT_DAYS[VIEW_LEADERBOARD])
    rows = list(TABLES["leaderboard"].rows(flt, limit=TABLES["leaderboard"].limit))
    context = {
        "form": form,
        "flt": flt,
        "tables": {"leaderboard": _table("leaderboard", rows, request)},
        "figures": {"leaderboard": charts.leaderboard_figure(rows)},
    }
    return _page(request, "reports/leaderboard.html", "reports:leaderboard", context)


@staff_view(VIEW_LEADERBOARD)
def trader(request, pk: int):
    """All of one trader's accounts, violations and payouts, and their daily P&L."""
    person = get_object_or_404(get_user_model().objects.select_related("trader_profile"), pk=pk)
    form, flt = _filters(request, TRADER_DEFAULT_DAYS)
    tables = {}
    for key, slug in (
        ("accounts", "trader-accounts"),
        ("violations", "trader-violations"),
        ("payouts", "trader-payouts"),
    ):
        rows = list(TABLES[slug].rows(flt, limit=TABLES[slug].limit, trader_id=pk))
        tables[key] = _table(slug, rows, request, pk=pk)
    days = selectors.trader_daily_pnl(pk, flt)
    context = {
        "form": form,
        "flt": flt,
        "person": person,
        "profile": getattr(person, "trader_profile", None),
        "tables": tables,
        "figures": {"pnl": charts.trader_pnl_figure(days)},
    }
    return _page(request, "reports/trader.html", "reports:leaderboard", context)


def _default_days(permission: str) -> int:
    return DEFAULT_DAYS.get(permission, TRADER_DEFAULT_DAYS)


@staff_view(*STAFF_PERMISSIONS)
def export(request, slug: str):
    table = TABLES.get(slug)
    if table is None or table.per_trader:
        raise Http404("No such table")
    if not may_view(request.user, table.permission):
        raise PermissionDenied("You may not export this table.")
    form, flt = _filters(request, _default_days(table.permission))
    if form.errors:
        return filter_errors_response(form)
    return csv_response(table, flt)


@staff_view(VIEW_LEADERBOARD)
def trader_export(request, pk: int, slug: str):
    table = TABLES.get(slug)
    if table is None or not table.per_trader:
        raise Http404("No such table")
    get_object_or_404(get_user_model(), pk=pk)
    form, flt = _filters(request, TRADER_DEFAULT_DAYS)
    if form.errors:
        return filter_errors_response(form)
    return csv_response(table, flt, trader_id=pk)
