"""The read paths of the live pages: who is nearest their limits now (Redis), today's near-limit
alerts, the latest breaches and enforcement commands (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from evaluations.models import PlatformCommand, TradingAccount
from risk.days import trading_day_at
from risk.models import Violation

from . import events
from .models import LimitAlert
from .state import DETAIL, USED

NEAREST = 20
DETAIL_FIELDS = (
    "login",
    "trader_id",
    "equity",
    "daily_floor",
    "total_floor",
    "used_daily_bp",
    "used_total_bp",
    "ts",
    "status",
)


def nearest_to_limits(n: int = NEAREST) -> list[dict]:
    """The `n` accounts that used most of their loss room, most first (one ZREVRANGE, one HMGET).

    Each row: `account_id`, `used_bp` (the larger of daily and total, 10,000 = the limit) and the
    monitor's detail fields, money as decimal strings. An account whose detail is missing (being
    written or removed) is left out. Raises one of `events.REDIS_ERRORS`.
    """
    redis = events.client()
    ranked = redis.zrevrange(USED, 0, n - 1, withscores=True)
    if not ranked:
        return []
    ids = [member.decode() if isinstance(member, bytes) else str(member) for member, _ in ranked]
    details = redis.hmget(DETAIL, ids)
    rows = []
    for account_id, (_, score), raw in zip(ids, ranked, details, strict=True):
        if raw is None:
            continue
        try:
            detail = json.loads(raw)
        except ValueError:
            continue
        row = {"account_id": int(account_id), "used_bp": int(score)}
        row.update({name: detail.get(name) for name in DETAIL_FIELDS})
        rows.append(row)
    return rows


def recent_breaches(limit: int = 20) -> QuerySet[Violation]:
    """The latest violations, newest first, with their account's login."""
    return Violation.objects.select_related("account").order_by("-time", "-id")[:limit]


def recent_commands(limit: int = 20) -> QuerySet[PlatformCommand]:
    """The latest enforcement commands, newest first, with their account's login."""
    return PlatformCommand.objects.select_related("account").order_by("-issued_at", "-id")[:limit]


def todays_alerts(accounts: Iterable[TradingAccount], now: dt.datetime) -> list[LimitAlert]:
    """Per account and limit, the highest near-limit alert of the account's current trading day
    (the day in its phase's zone, as the monitor names it), in the accounts' order."""
    accounts = list(accounts)
    days = Q()
    for account in accounts:
        day = trading_day_at(account.phase.reset_tz, account.phase.reset_hour, now).day
        days |= Q(account_id=account.pk, day=day)
    if not accounts:
        return []
    alerts = list(
        LimitAlert.objects.filter(days)
        .order_by("account_id", "limit", "-level")
        .distinct("account_id", "limit")
    )
    by_account = {account.pk: account for account in accounts}
    for alert in alerts:
        alert.account = by_account[alert.account_id]
    order = {account.pk: i for i, account in enumerate(accounts)}
    return sorted(alerts, key=lambda a: (order[a.account_id], a.limit))
