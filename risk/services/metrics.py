"""Save engine results as AccountMetrics and DailyMetrics rows: one COPY and one upsert
statement per table for any number of accounts.

Values travel as ints (cents, volume units, epoch seconds) through COPY into a session-local
staging table and become Decimal and timestamps inside PostgreSQL, so saving 10,000 accounts
makes no Python Decimal at all. Rows whose values did not change are not rewritten
(`WHERE … IS DISTINCT FROM …`), so a recompute of unchanged data writes almost nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from django.db import connection

from risk.engine.types import AccountIn, AccountResult
from risk.models import AccountMetrics, DailyMetrics

from .money import to_unit, unit_name

_MONEY = "numeric(18,2)"
_LOTS = "numeric(18,4)"

# (column, staging type, SQL expression turning the staged value into the stored one)
_ACCOUNT_COLUMNS = [
    ("account_id", "bigint", "{}"),
    ("basis", "text", "{}"),
    ("balance", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("equity", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("hwm", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("net_profit", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("max_drawdown", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("trades", "integer", "{}"),
    ("trading_days", "integer", "{}"),
    ("wins", "integer", "{}"),
    ("losses", "integer", "{}"),
    ("gross_profit", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("gross_loss", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("best_day_net", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("lots", "bigint", f"({{}} / 10000.0)::{_LOTS}"),
    ("day_reference", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("daily_floor", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("total_floor", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("room_daily", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("room_total", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("objectives", "text", "{}::jsonb"),
    ("objectives_met", "boolean", "{}"),
    ("last_trade_open_at", "bigint", "to_timestamp({})"),
    ("trades_watermark", "bigint", "{}"),
    ("evaluated_as_of", "bigint", "to_timestamp({})"),
    ("drawdown", "text", "{}::jsonb"),
]

_DAY_COLUMNS = [
    ("account_id", "bigint", "{}"),
    ("day", "date", "{}"),
    ("start_balance", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("start_equity", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("end_balance", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("end_equity", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("reference", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("daily_floor", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("total_floor", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("min_equity", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("net", "bigint", f"({{}} / 100.0)::{_MONEY}"),
    ("trades_opened", "integer", "{}"),
    ("trades_closed", "integer", "{}"),
    ("lots", "bigint", f"({{}} / 10000.0)::{_LOTS}"),
]


def stage(cursor, name: str, columns: list[tuple[str, str, str]], rows) -> None:
    """COPY `rows` into the temporary table `name` (created once per connection; emptied at
    commit, and here in case of an earlier use in the same transaction)."""
    definition = ", ".join(f"{c} {t}" for c, t, _ in columns)
    # One round trip for both statements; names are ours, not input.
    sql = f"CREATE TEMP TABLE IF NOT EXISTS {name} ({definition}) ON COMMIT DELETE ROWS; "
    sql += f"DELETE FROM {name}"  # noqa: S608
    cursor.execute(sql)
    names = ", ".join(c for c, _, _ in columns)
    with cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _upsert_sql(
    table: str,
    staging: str,
    columns: list[tuple[str, str, str]],
    conflict: tuple[str, ...],
    extra: str = "",
) -> str:
    names = [c for c, _, _ in columns]
    values = ", ".join(expr.format(f"u.{c}") for c, _, expr in columns)
    updates = [c for c in names if c not in conflict]
    extra_names = ["computed_at"] if extra else []
    target_cols = ", ".join(names + extra_names)
    select_extra = f", {extra}" if extra else ""
    set_clause = ", ".join(f"{c} = EXCLUDED.{c}" for c in updates + extra_names)
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in updates)
    return f"""
        INSERT INTO {table} AS t ({target_cols})
        SELECT {values}{select_extra} FROM {staging} u
        ON CONFLICT ({", ".join(conflict)}) DO UPDATE SET {set_clause}
        WHERE {changed}"""  # noqa: S608


def objectives_json(result: AccountResult) -> list[dict]:
    """Objective progress in display units: money as "1234.50" strings, days as ints."""
    return [
        {
            "code": o.code,
            "met": o.met,
            "current": str(to_unit(o.current, o.unit)),
            "target": str(to_unit(o.target, o.unit)),
            "unit": unit_name(o.unit),
            "detail": o.detail,
        }
        for o in result.objectives
    ]


def _account_values(account_in: AccountIn, r: AccountResult) -> tuple:
    watermark = max((t.id for t in account_in.trades), default=0)
    return (
        r.account_id,
        r.basis,
        r.balance,
        r.equity,
        r.hwm,
        r.net_profit,
        r.max_drawdown,
        r.trades,
        r.trading_days,
        r.wins,
        r.losses,
        r.gross_profit,
        r.gross_loss,
        r.best_day_net,
        r.volume,
        r.day_reference,
        r.daily_floor,
        r.total_floor,
        r.room_daily,
        r.room_total,
        json.dumps(objectives_json(r)),
        r.objectives_met,
        r.last_trade_open_ts,
        watermark,
        account_in.as_of_ts,
        json.dumps(r.drawdown_points),
    )


def save_metrics(
    evaluated: Sequence[tuple[AccountIn, AccountResult]], computed_at: dt.datetime
) -> None:
    """Upsert AccountMetrics and DailyMetrics for every evaluated account and drop daily rows
    outside the range of days the engine reports."""
    if not evaluated:
        return
    account_rows = [_account_values(a, r) for a, r in evaluated]
    day_rows = [
        (
            r.account_id,
            d.day,
            d.start_balance,
            d.start_equity,
            d.end_balance,
            d.end_equity,
            d.reference,
            d.daily_floor,
            d.total_floor,
            d.min_equity,
            d.net,
            d.trades_opened,
            d.trades_closed,
            d.volume,
        )
        for _, r in evaluated
        for d in r.days
    ]
    metrics_table, days_table = AccountMetrics._meta.db_table, DailyMetrics._meta.db_table
    with connection.cursor() as cursor:
        stage(cursor, "risk_staged_metrics", _ACCOUNT_COLUMNS, account_rows)
        cursor.execute(
            _upsert_sql(
                metrics_table, "risk_staged_metrics", _ACCOUNT_COLUMNS, ("account_id",), "%s"
            ),
            [computed_at],
        )
        stage(cursor, "risk_staged_days", _DAY_COLUMNS, day_rows)
        cursor.execute(
            _upsert_sql(days_table, "risk_staged_days", _DAY_COLUMNS, ("account_id", "day"))
        )
        # The engine reports every day from the account's start to its as-of day, so a stored
        # day outside that range is stale (its trades were deleted or moved).
        # Parameters, not the staging tables, drive this delete: the planner knows nothing of
        # a temporary table's size and would scan every stored day.
        cursor.execute(
            f"""DELETE FROM {days_table} d
                 USING unnest(%s::bigint[], %s::date[], %s::date[]) AS r(account_id, first, last)
                 WHERE d.account_id = r.account_id
                   AND (r.first IS NULL OR d.day < r.first OR d.day > r.last)""",  # noqa: S608
            [
                [r.account_id for _, r in evaluated],
                [r.days[0].day if r.days else None for _, r in evaluated],
                [r.days[-1].day if r.days else None for _, r in evaluated],
            ],
        )
