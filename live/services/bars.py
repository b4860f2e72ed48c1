"""Per-minute equity bars and late ticks: written in bulk by the monitors, pruned by retention.

A bar row is `(account_id, minute_ts, low, high, last, balance, ticks)` in cents. Writing a bar
that is already stored merges it (lowest low, highest high, the later write's last), so a monitor
that restarts and writes a minute again never loses what the first write held.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from live.models import EquityMinute, LiveTick, TickReason
from risk.services.money import from_cents

_UPSERT = f"""
    INSERT INTO {EquityMinute._meta.db_table}
           (account_id, minute, low, high, last, balance, ticks)
    SELECT a, to_timestamp(m), lo / 100.0, hi / 100.0, la / 100.0, ba / 100.0, n
      FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],
                  %s::bigint[], %s::int[]) AS u(a, m, lo, hi, la, ba, n)
    ON CONFLICT (account_id, minute) DO UPDATE SET
        low = LEAST({EquityMinute._meta.db_table}.low, EXCLUDED.low),
        high = GREATEST({EquityMinute._meta.db_table}.high, EXCLUDED.high),
        last = CASE WHEN EXCLUDED.ticks > 0 THEN EXCLUDED.last
                    ELSE {EquityMinute._meta.db_table}.last END,
        balance = CASE WHEN EXCLUDED.ticks > 0 THEN EXCLUDED.balance
                       ELSE {EquityMinute._meta.db_table}.balance END,
        ticks = {EquityMinute._meta.db_table}.ticks + EXCLUDED.ticks
"""  # noqa: S608


def write_bars(bars: list[tuple[int, int, int, int, int, int, int]]) -> int:
    """Upsert (account_id, minute_ts, low, high, last, balance, ticks) rows, in their order; a
    row with ticks=0 (late ticks only) moves low and high but keeps the stored last and balance.
    Rows of one account and minute are merged first (one statement may not touch a row twice)."""
    if not bars:
        return 0
    merged: dict[tuple[int, int], list[int]] = {}
    for account_id, minute, low, high, last, balance, ticks in bars:
        row = merged.get((account_id, minute))
        if row is None:
            merged[account_id, minute] = [account_id, minute, low, high, last, balance, ticks]
            continue
        row[2], row[3] = min(row[2], low), max(row[3], high)
        if ticks:  # a later write of the minute's own ticks (not late ones) sets last and balance
            row[4], row[5] = last, balance
        row[6] += ticks
    columns = list(zip(*sorted(merged.values()), strict=True))
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [list(c) for c in columns])
    return len(bars)


def keep_ticks(reason: str, rows: list[tuple[int, int, int, int, int, dict]]) -> int:
    """Store ticks as evidence (`LiveTick`): (account_id, ts, balance, equity, received_ms,
    detail) rows, each once per account, time and reason (a tick seen again adds nothing)."""
    if not rows:
        return 0
    LiveTick.objects.bulk_create(
        [
            LiveTick(
                account_id=account_id,
                time=dt.datetime.fromtimestamp(ts, dt.UTC),
                balance=from_cents(balance),
                equity=from_cents(equity),
                reason=reason,
                received_at=dt.datetime.fromtimestamp(received_ms / 1000, dt.UTC),
                detail=detail,
            )
            for account_id, ts, balance, equity, received_ms, detail in rows
        ],
        ignore_conflicts=True,
    )
    return len(rows)


def write_late_ticks(rows: list[tuple[int, int, int, int, int]]) -> int:
    """Store ticks older than their account's last one: (account_id, ts, balance, equity,
    received_ms). Never evaluated."""
    return keep_ticks(TickReason.LATE, [(*row, {}) for row in rows])


def prune(now: dt.datetime | None = None, *, minute_days: int, late_days: int) -> dict:
    """Delete bars older than `minute_days` and late ticks older than `late_days`. Breach and
    alert ticks are evidence and stay as long as their account."""
    now = now or timezone.now()
    bars, _ = EquityMinute.objects.filter(minute__lt=now - dt.timedelta(days=minute_days)).delete()
    late, _ = LiveTick.objects.filter(
        reason=TickReason.LATE, time__lt=now - dt.timedelta(days=late_days)
    ).delete()
    return {"minutes": bars, "late_ticks": late}
