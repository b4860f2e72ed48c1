"""The demo's live-risk record: a platform bridge running the demo trader's accounts, the last
hours of one open account's per-minute equity, today's near-limit warning, and what the platform
was told when an account failed.

The embedded demo runs without Redis, so no monitor evaluates ticks in it; these rows are what
the monitors would have left in PostgreSQL (docs/live-risk.md, "What is stored"), written
through the same models, so the portal's chart, its banner and the platform section show them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model

from evaluations.models import (
    AccountStatus,
    Bridge,
    CommandKind,
    CommandStatus,
    PlatformCommand,
    TradingAccount,
)
from live.models import EquityMinute, LimitAlert, LiveTick, TickReason
from risk.days import trading_day_at
from risk.models import AccountMetrics, Violation

BRIDGE_EMAIL = "bridge-demo-mt5@bridges.propdesk.local"
MINUTES = 240  # the live chart's last four hours
CENT = Decimal("0.01")


@dataclass
class LiveCounts:
    minutes: int = 0
    alerts: int = 0
    commands: int = 0


def seed_live(trader_email: str, now: dt.datetime, rng: random.Random) -> LiveCounts:
    """Attach the trader's accounts to a demo bridge and write their live record."""
    counts = LiveCounts()
    user = get_user_model().objects.create(email=BRIDGE_EMAIL, first_name="Demo MT5 bridge")
    bridge = Bridge.objects.create(name="demo-mt5", user=user, platform="mt5")
    accounts = TradingAccount.objects.filter(trader__email=trader_email).select_related("phase")
    accounts.update(bridge=bridge)
    open_account = next((a for a in accounts if a.is_open), None)
    if open_account is not None:
        counts.minutes, counts.alerts = _live_minutes(open_account, now, rng)
    for account in accounts.filter(status=AccountStatus.FAILED):
        counts.commands += _enforced(account, bridge)
    return counts


def _live_minutes(account: TradingAccount, now: dt.datetime, rng: random.Random):
    """Four hours of minutes wandering below the balance, touching 80 % of today's daily room
    an hour ago (the warning the trader's banner shows)."""
    metrics = AccountMetrics.objects.filter(account=account).first()
    if metrics is None or metrics.daily_floor is None or metrics.day_reference is None:
        return 0, 0
    reference, floor = metrics.day_reference, metrics.daily_floor
    warn_at = (reference - (reference - floor) * Decimal("0.82")).quantize(CENT)
    start = now.replace(second=0) - dt.timedelta(minutes=MINUTES)
    dip = MINUTES - 60
    equity = metrics.balance
    rows = []
    for n in range(MINUTES):
        target = warn_at if n == dip else None
        step = Decimal(rng.randint(-4000, 3800)) / 100
        equity = target if target is not None else max(equity + step, warn_at + 50)
        swing = Decimal(rng.randint(0, 3000)) / 100
        rows.append(
            EquityMinute(
                account=account,
                minute=start + dt.timedelta(minutes=n),
                low=equity - swing if target is None else equity,
                high=equity + swing,
                last=equity,
                balance=metrics.balance,
                ticks=60,
            )
        )
    EquityMinute.objects.bulk_create(rows)
    at = start + dt.timedelta(minutes=dip, seconds=37)
    day = trading_day_at(account.phase.reset_tz, account.phase.reset_hour, at).day
    used_bp = int((reference - warn_at) * 10_000 / (reference - floor))
    LimitAlert.objects.create(
        account=account,
        day=day,
        limit="daily",
        level=80,
        time=at,
        equity=warn_at,
        floor=floor,
        used_bp=used_bp,
        emailed_at=at,
    )
    LiveTick.objects.create(
        account=account,
        time=at,
        balance=metrics.balance,
        equity=warn_at,
        reason=TickReason.ALERT,
        received_at=at,
        detail={"limit": "daily", "level": 80},
    )
    return len(rows), 1


def _enforced(account: TradingAccount, bridge: Bridge) -> int:
    """The command the failure sent and the bridge carried out, as the outbox keeps it."""
    violation = Violation.objects.filter(account=account, failed_account=True).first()
    if violation is None:
        return 0
    issued = violation.time + dt.timedelta(milliseconds=180)
    PlatformCommand.objects.create(
        bridge=bridge,
        account=account,
        kind=CommandKind.CLOSE_AND_DISABLE,
        status=CommandStatus.DONE,
        key=f"close_and_disable:{account.pk}:{violation.key}",
        reason=violation.message[:255],
        violation_id=violation.pk,
        breach_ts=violation.time,
        delivered_at=issued + dt.timedelta(milliseconds=40),
        attempts=1,
        done_at=issued + dt.timedelta(milliseconds=410),
        result={"closed": 1},
    )
    PlatformCommand.objects.filter(account=account).update(issued_at=issued)
    return 1
