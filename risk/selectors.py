"""Read paths of the risk engine's results, for the portal, the API and the commands.

Each function reads what `risk.services.evaluation` saved; none computes rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet

from evaluations.models import TradingAccount
from risk.models import AccountMetrics, DailyMetrics, Violation, ViolationStatus
from risk.services.money import CENT


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def _measure(value: Decimal, unit: str) -> str:
    if unit == "money":
        return str(value.quantize(CENT))
    text = f"{value.normalize():f}"
    return text


def _iso_utc(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def account_metrics(account_id: int) -> AccountMetrics | None:
    """The latest saved metrics of an account, or None before its first evaluation."""
    return AccountMetrics.objects.filter(account_id=account_id).first()


def daily_metrics(account_id: int) -> QuerySet[DailyMetrics]:
    """The account's trading days, oldest first (the portal's daily chart and table)."""
    return DailyMetrics.objects.filter(account_id=account_id).order_by("day")


def account_violations(account_id: int, *, include_dismissed: bool = False) -> QuerySet[Violation]:
    """The account's violations, oldest first; dismissed ones only when asked."""
    violations = Violation.objects.filter(account_id=account_id)
    if not include_dismissed:
        violations = violations.exclude(status=ViolationStatus.DISMISSED)
    return violations.select_related("account").order_by("time", "id")


def account_summary(account: TradingAccount) -> dict:
    """The account's state as plain JSON-ready data (the `account_summary` command, the API).

    Money is a string with 2 decimals; times are ISO 8601 UTC; objectives are keyed by code.
    Before the first evaluation, balance and equity are the initial balance and counts are 0.
    """
    metrics = account_metrics(account.pk)
    if metrics is None:
        initial = account.initial_balance
        figures = {
            "balance": _money(initial),
            "equity": _money(initial),
            "net_profit": _money(Decimal(0)),
            "trades": 0,
            "trading_days": 0,
            "max_drawdown": _money(Decimal(0)),
        }
        objectives: list[dict] = []
        computed_at = None
        basis = None
    else:
        figures = {
            "balance": _money(metrics.balance),
            "equity": _money(metrics.equity),
            "net_profit": _money(metrics.net_profit),
            "trades": metrics.trades,
            "trading_days": metrics.trading_days,
            "max_drawdown": _money(metrics.max_drawdown),
        }
        objectives = metrics.objectives
        computed_at = metrics.computed_at
        basis = metrics.basis
    return {
        "login": account.login,
        "status": account.status,
        "currency": account.currency,
        **figures,
        "basis": basis,
        "computed_at": _iso_utc(computed_at),
        "objectives": {
            o["code"]: {
                "met": o["met"],
                "current": o["current"],
                "target": o["target"],
                "unit": o["unit"],
                "detail": o["detail"],
            }
            for o in objectives
        },
        "violations": [
            {
                "rule": v.rule_code,
                "severity": v.severity,
                "time": _iso_utc(v.time),
                "threshold": _measure(v.threshold, v.unit),
                "observed": _measure(v.observed, v.unit),
                "unit": v.unit,
                "message": v.message,
                "status": v.status,
            }
            for v in account_violations(account.pk)
        ],
    }
