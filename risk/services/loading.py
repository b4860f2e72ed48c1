"""Build the engine's input (`AccountIn`) from the database in a few lean queries.

Conversion to engine units (cents, volume units, epoch seconds) happens inside PostgreSQL
(`money.sql_*`), so no Decimal or datetime object is made per trade. One account costs five
queries (account, rules, trades, snapshots, balance operations; a sixth for the calendar when a
news rule applies). Many accounts cost the same five queries in total: trades, snapshots and
balance operations are each read once, ordered by account, and merged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection
from django.utils import timezone

from evaluations.models import (
    BalanceOperation,
    BalanceOperationStatus,
    EquitySnapshot,
    Phase,
    Rule,
    Trade,
    TradingAccount,
)
from evaluations.rule_types import RuleCode
from risk.engine.rules.objectives import payout_cycle_start
from risk.engine.types import AccountIn, BalanceOpIn, NewsEventIn, RuleIn, SnapshotIn, TradeIn
from risk.models import EconomicEvent

from . import trade_checkpoint
from .money import sql_cents, sql_price, sql_ts, sql_volume, to_cents, to_ts

# How far around an account's life the calendar is read for the news rule.
CALENDAR_MARGIN = dt.timedelta(days=1)
_KINDS = ("trades", "snapshots", "balance_ops")


@dataclass(frozen=True, slots=True)
class AccountContext:
    """What the write path needs beside the engine input."""

    id: int
    login: str
    status: str
    currency: str
    phase_id: int
    phase_kind: str
    phase_name: str
    auto_advance: bool
    reset_tz: str
    rule_set_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    rule_ids: dict[str, int] = field(default_factory=dict)  # rule code -> Rule.id
    trader_id: int | None = None
    bridge_id: int | None = None  # the platform bridge running the account (live risk)


def _account_sql() -> str:
    account, phase = TradingAccount._meta.db_table, Phase._meta.db_table
    return f"""
        SELECT a.id, a.login, a.status, a.currency, a.phase_id, p.kind, p.name, p.auto_advance,
               p.reset_tz, p.reset_hour, a.rule_set_id, a.started_at, a.ended_at,
               a.initial_balance, a.trader_id, a.bridge_id
          FROM {account} a JOIN {phase} p ON p.id = a.phase_id
         WHERE a.id = ANY(%s)
         ORDER BY a.id"""  # noqa: S608


def rows_sql(kind: str, one: bool = False, where: str = "") -> str:
    # One account: a plain equality, so the planner walks the (account, time) index in order.
    where = where or ("account_id = %s" if one else "account_id = ANY(%s)")
    if kind == "trades":
        # The last column identifies the row version (see trade_checkpoint); unused otherwise.
        return f"""
            SELECT account_id, id, ticket, symbol, side, {sql_volume("volume")},
                   {sql_ts("open_time")}, {sql_ts("close_time")}, {sql_cents("net")},
                   {sql_cents("profit")}, {sql_price("open_price")}, {sql_price("close_price")},
                   {sql_price("stop_loss")}, {sql_price("take_profit")},
                   {"hashtext(ctid::text || ':' || xmin::text)" if one else "0"}
              FROM {Trade._meta.db_table}
             WHERE {where} ORDER BY account_id, close_time"""  # noqa: S608
    if kind == "snapshots":
        return f"""
            SELECT account_id, id, {sql_ts("time")}, {sql_cents("balance")},
                   {sql_cents("equity")}
              FROM {EquitySnapshot._meta.db_table}
             WHERE {where} ORDER BY account_id, time, id"""  # noqa: S608
    return f"""
        SELECT account_id, id, {sql_ts("time")}, {sql_cents("amount")}, kind
          FROM {BalanceOperation._meta.db_table}
         WHERE ({where}) AND status = '{BalanceOperationStatus.APPROVED}'
         ORDER BY account_id, time, id"""  # noqa: S608


def _rules_by_set(rule_set_ids: Iterable[int]) -> dict[int, list[tuple[int, str, str, dict]]]:
    rules: dict[int, list[tuple[int, str, str, dict]]] = {}
    rows = Rule.objects.filter(rule_set_id__in=set(rule_set_ids)).values_list(
        "rule_set_id", "id", "code", "severity", "params"
    )
    for rule_set_id, rule_id, code, severity, params in rows.order_by("rule_set_id", "code"):
        rules.setdefault(rule_set_id, []).append((rule_id, code, severity, params))
    return rules


def load_calendar(start: dt.datetime, end: dt.datetime) -> tuple[NewsEventIn, ...]:
    """Economic events between `start` and `end`, sorted by time, as engine input."""
    rows = (
        EconomicEvent.objects.filter(time__gte=start, time__lte=end)
        .order_by("time", "id")
        .values_list("id", "time", "currency", "impact", "title")
    )
    return tuple(NewsEventIn(i, to_ts(t), cur, imp, title) for i, t, cur, imp, title in rows)


def judged_as_of(end_ts: int) -> int:
    """An ended account is judged as of one second after its end: it cannot become inactive
    afterwards, and a breach at the very instant of the end (inactivity, time limit: they
    breach once the instant has passed) is still seen."""
    return end_ts + 1


def _effective_as_of(as_of: dt.datetime, status: str, ended_at: dt.datetime | None) -> int:
    if ended_at is not None and status not in ("active", "funded"):
        return min(to_ts(as_of), judged_as_of(to_ts(ended_at)))
    return to_ts(as_of)


def _payout_cycle_start(started_at: dt.datetime, balance_ops: list[tuple]) -> int:
    withdrawals = (b[2] for b in balance_ops if b[4] == "withdrawal")
    return payout_cycle_start(to_ts(started_at), withdrawals)


def trade_ins(rows: list[tuple]) -> tuple[TradeIn, ...]:
    """Trade rows of `rows_sql("trades")` as engine input, sorted by (close second, id).

    SQL gives them by close time (the order of the (account, close_time) index, no sort on the
    server): a near-sorted list, which Timsort orders in one pass.
    """
    rows.sort(key=itemgetter(7, 1))
    return tuple(TradeIn(*t[1:14]) for t in rows)


def _build(
    row: tuple,
    rules: list[tuple[int, str, str, dict]],
    trades: tuple[TradeIn, ...],
    snapshots: list[tuple],
    balance_ops: list[tuple],
    calendar: tuple[NewsEventIn, ...],
    as_of: dt.datetime,
) -> tuple[AccountContext, AccountIn]:
    (
        account_id,
        login,
        status,
        currency,
        phase_id,
        kind,
        phase_name,
        auto_advance,
        reset_tz,
        reset_hour,
        rule_set_id,
        started_at,
        ended_at,
        initial_balance,
        trader_id,
        bridge_id,
    ) = row
    context = AccountContext(
        id=account_id,
        login=login,
        status=status,
        currency=currency,
        phase_id=phase_id,
        phase_kind=kind,
        phase_name=phase_name,
        auto_advance=auto_advance,
        reset_tz=reset_tz,
        rule_set_id=rule_set_id,
        started_at=started_at,
        ended_at=ended_at,
        rule_ids={code: rule_id for rule_id, code, _, _ in rules},
        trader_id=trader_id,
        bridge_id=bridge_id,
    )
    news = any(code == RuleCode.NEWS_TRADING for _, code, _, _ in rules)
    account_in = AccountIn(
        account_id=account_id,
        initial_balance=to_cents(initial_balance),
        started_ts=to_ts(started_at),
        reset_tz=reset_tz,
        reset_hour=reset_hour,
        rules=tuple(RuleIn(code, severity, params) for _, code, severity, params in rules),
        trades=trades,
        snapshots=tuple(SnapshotIn(*s[1:]) for s in snapshots),
        balance_ops=tuple(BalanceOpIn(*b[1:]) for b in balance_ops),
        calendar=calendar if news else (),
        as_of_ts=_effective_as_of(as_of, status, ended_at),
        currency=currency,
        payout_cycle_start_ts=_payout_cycle_start(started_at, balance_ops),
    )
    return context, account_in


def load_account(
    account_id: int, *, as_of: dt.datetime | None = None
) -> tuple[AccountContext, AccountIn] | None:
    """The engine input of one account, or None if it does not exist. Five or six queries.

    Trades come through `trade_checkpoint`: when this process evaluated the account before and
    its stored trades are unchanged up to the last one seen, only the newer trades are read.
    """
    as_of = as_of or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_account_sql(), [[account_id]])
        row = cursor.fetchone()
        if row is None:
            return None
        rules = _rules_by_set([row[10]]).get(row[10], [])
        fetched = {"trades": trade_checkpoint.load_trades(cursor, account_id)}
        for kind in ("snapshots", "balance_ops"):
            cursor.execute(rows_sql(kind, one=True), [account_id])
            fetched[kind] = cursor.fetchall()
    calendar: tuple[NewsEventIn, ...] = ()
    if any(code == RuleCode.NEWS_TRADING for _, code, _, _ in rules):
        calendar = load_calendar(row[11] - CALENDAR_MARGIN, as_of + CALENDAR_MARGIN)
    return _build(
        row,
        rules,
        fetched["trades"],
        fetched["snapshots"],
        fetched["balance_ops"],
        calendar,
        as_of,
    )


def _grouped(sql: str, account_ids: list[int], batch: int = 20_000) -> Iterator[tuple[int, list]]:
    """Stream `sql` (ordered by account_id first) through a server-side cursor, one account's
    rows at a time."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [account_ids])
        current, rows = None, []
        while chunk := cursor.fetchmany(batch):
            for r in chunk:
                if r[0] != current:
                    if current is not None:
                        yield current, rows
                    current, rows = r[0], []
                rows.append(r)
        if current is not None:
            yield current, rows


class _Merge:
    """Pull one account's rows at a time from a stream ordered by account id."""

    def __init__(self, stream: Iterator[tuple[int, list]]) -> None:
        self.stream = stream
        self.head = next(stream, None)

    def take(self, account_id: int) -> list:
        while self.head is not None and self.head[0] < account_id:
            self.head = next(self.stream, None)
        if self.head is not None and self.head[0] == account_id:
            rows = self.head[1]
            self.head = next(self.stream, None)
            return rows
        return []


def iter_accounts(
    account_ids: list[int], *, as_of: dt.datetime | None = None
) -> Iterator[tuple[AccountContext, AccountIn]]:
    """The engine input of many accounts, in id order, streamed: one query each for accounts,
    rules, trades, snapshots and balance operations (plus the calendar if a news rule applies).

    Needs an open transaction (server-side cursors live in one).
    """
    as_of = as_of or timezone.now()
    ids = sorted(set(account_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_account_sql(), [ids])
        account_rows = cursor.fetchall()
    rules = _rules_by_set(r[10] for r in account_rows)
    calendar: tuple[NewsEventIn, ...] = ()
    if account_rows and any(
        code == RuleCode.NEWS_TRADING for rs in rules.values() for _, code, _, _ in rs
    ):
        first = min(r[11] for r in account_rows)
        calendar = load_calendar(first - CALENDAR_MARGIN, as_of + CALENDAR_MARGIN)
    streams = {kind: _Merge(_grouped(rows_sql(kind), ids)) for kind in _KINDS}
    trades, snapshots, balance_ops = (streams[kind] for kind in _KINDS)
    for row in account_rows:
        account_id = row[0]
        yield _build(
            row,
            rules.get(row[10], []),
            trade_ins(trades.take(account_id)),
            snapshots.take(account_id),
            balance_ops.take(account_id),
            calendar,
            as_of,
        )
