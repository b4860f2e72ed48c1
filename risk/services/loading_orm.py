"""The portable twins of the risk services' PostgreSQL reads (`dialect.use_fast_path()` false).

Each function returns the same tuples, in the same order, as the SQL it stands in for
(`loading._account_sql`, `loading.rows_sql`, `hedging._trades_sql`, `evaluation._lock`), but
reads through the ORM and converts Decimal and datetime values in Python with the `money`
helpers (round half away from zero to the cent / volume unit; epoch seconds floored), exactly as
`money.sql_cents` / `sql_volume` / `sql_ts` do inside PostgreSQL. Ids are read `BATCH` at a
time so no query exceeds SQLite's bound-parameter limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter

from evaluations.models import BalanceOperation, EquitySnapshot, Trade, TradingAccount

from .money import to_cents, to_ts, to_volume

BATCH = 500


def batches(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


def lock(account_ids: Iterable[int]) -> list[int]:
    """`SELECT … FOR UPDATE` of the accounts in id order (SQLite: a plain read; its writers
    serialise on the database lock instead); returns the ids that exist."""
    locked: list[int] = []
    for part in batches(account_ids):
        query = TradingAccount.objects.select_for_update().filter(pk__in=part).order_by("pk")
        locked.extend(query.values_list("pk", flat=True))
    return locked


def account_rows(account_ids: Iterable[int]) -> list[tuple]:
    """Rows shaped like `loading._account_sql`: account fields joined with its phase's."""
    rows: list[tuple] = []
    for part in batches(account_ids):
        rows.extend(
            TradingAccount.objects.filter(pk__in=part)
            .order_by("pk")
            .values_list(
                "id",
                "login",
                "status",
                "currency",
                "phase_id",
                "phase__kind",
                "phase__name",
                "phase__auto_advance",
                "phase__reset_tz",
                "phase__reset_hour",
                "rule_set_id",
                "started_at",
                "ended_at",
                "initial_balance",
            )
        )
    return rows


def _trades(part: list[int]) -> list[tuple]:
    query = Trade.objects.filter(account_id__in=part).order_by("account_id", "close_time")
    fields = ("account_id", "id", "ticket", "symbol", "side", "volume", "open_time", "close_time")
    return [
        (a, i, ticket, symbol, side, to_volume(v), to_ts(o), to_ts(c), to_cents(net), 0)
        for a, i, ticket, symbol, side, v, o, c, net in query.values_list(*fields, "net")
    ]


def _snapshots(part: list[int]) -> list[tuple]:
    query = EquitySnapshot.objects.filter(account_id__in=part).order_by("account_id", "time", "id")
    return [
        (a, i, to_ts(t), to_cents(balance), to_cents(equity))
        for a, i, t, balance, equity in query.values_list(
            "account_id", "id", "time", "balance", "equity"
        )
    ]


def _balance_ops(part: list[int]) -> list[tuple]:
    query = BalanceOperation.objects.filter(account_id__in=part).order_by(
        "account_id", "time", "id"
    )
    return [
        (a, i, to_ts(t), to_cents(amount), kind)
        for a, i, t, amount, kind in query.values_list("account_id", "id", "time", "amount", "kind")
    ]


_READERS = {"trades": _trades, "snapshots": _snapshots, "balance_ops": _balance_ops}


def rows(kind: str, account_ids: Iterable[int]) -> list[tuple]:
    """Rows shaped like `loading.rows_sql(kind)` ("trades", "snapshots", "balance_ops"), ordered
    by account first; a trade row's last column (the row-version hash) is 0."""
    return [r for part in batches(account_ids) for r in _READERS[kind](part)]


def grouped(kind: str, account_ids: Iterable[int]) -> Iterator[tuple[int, list]]:
    """`rows(kind, …)` one account at a time, like `loading._grouped`."""
    for part in batches(account_ids):
        for account_id, group in groupby(_READERS[kind](part), key=itemgetter(0)):
            yield account_id, list(group)


def recent_trade_rows(since: dt.datetime) -> list[tuple]:
    """Rows shaped like `hedging._trades_sql`: trades opened since `since`, with the trader."""
    query = Trade.objects.filter(open_time__gte=since).order_by("account_id", "open_time", "id")
    fields = ("account_id", "account__trader_id", "id", "ticket", "symbol", "side", "volume")
    return [
        (a, trader, i, ticket, symbol, side, to_volume(v), to_ts(o), to_ts(c), to_cents(net))
        for a, trader, i, ticket, symbol, side, v, o, c, net in query.values_list(
            *fields, "open_time", "close_time", "net"
        )
    ]
