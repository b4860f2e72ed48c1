"""Read paths of the trader portal.

Every query starts from `trader_accounts(user)`, so another trader's account, trade or
violation is simply not found (404). Sums and running balances are computed in the database;
pages never load an account's full trade history into Python.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Extract
from django.shortcuts import get_object_or_404

from evaluations.models import (
    AccountStatus,
    BalanceOperation,
    PlatformCommand,
    Trade,
    TradingAccount,
)
from risk.days import TradingDay, trading_day_at, trading_day_bounds
from risk.engine.evaluate import DRAWDOWN_SLICES
from risk.engine.metrics import drawdown_path, thinned_path
from risk.engine.timeline import build_timeline
from risk.models import AccountMetrics, DailyMetrics, Violation, ViolationStatus
from risk.services.loading import load_account
from risk.services.money import from_cents, from_ts

ZERO = Decimal("0.00")
# A failed account stays at the top of the home page for this long.
JUST_FAILED_WINDOW = dt.timedelta(days=7)
# Points drawn per intraday series: enough for a smooth line, few enough for a fast page.
SERIES_MAX_POINTS = 400


# --- accounts ----------------------------------------------------------------------------


def trader_accounts(user) -> QuerySet[TradingAccount]:
    """The only door to trading accounts in the portal: the user's own."""
    return TradingAccount.objects.filter(trader_id=user.pk)


def account_for_trader(user, login: str) -> TradingAccount:
    """One of the user's accounts with everything its page shows, in one query; else 404."""
    queryset = trader_accounts(user).select_related(
        "program", "phase", "metrics", "next_account__phase", "previous_account__phase"
    )
    return get_object_or_404(queryset, login=login)


def metrics_of(account: TradingAccount) -> AccountMetrics | None:
    """The account's latest evaluation, or None before the first one."""
    try:
        return account.metrics
    except AccountMetrics.DoesNotExist:
        return None


def next_account_of(account: TradingAccount) -> TradingAccount | None:
    try:
        return account.next_account
    except TradingAccount.DoesNotExist:
        return None


@dataclass
class AccountRow:
    """One line of the home page."""

    account: TradingAccount
    metrics: AccountMetrics | None
    today_pnl: Decimal | None
    room: Decimal | None  # the smaller of the rooms to the daily and total loss limits
    room_limit: str  # which limit that room is to
    attention: str  # why this account needs a look, "" when it does not

    @property
    def room_share(self) -> Decimal | None:
        if self.room is None:
            return None
        return self.room / self.account.initial_balance


def dashboard_rows(user, now: dt.datetime) -> list[AccountRow]:
    """The user's accounts, the one that needs attention first.

    Order: accounts failed within `JUST_FAILED_WINDOW` (newest first), then open accounts by
    room to their nearest loss limit as a share of the initial balance (smallest first), then
    the rest by start date. Three queries whatever the number of accounts.
    """
    latest_day = DailyMetrics.objects.filter(account=OuterRef("pk")).order_by("-day")
    accounts = list(
        trader_accounts(user)
        .select_related("program", "phase", "metrics")
        .annotate(
            last_day=Subquery(latest_day.values("day")[:1]),
            last_day_start_equity=Subquery(latest_day.values("start_equity")[:1]),
        )
    )
    rows = [_account_row(account, now) for account in accounts]

    def rank(row: AccountRow):
        account = row.account
        if account.status == AccountStatus.FAILED and row.attention:
            return (0, -(account.ended_at or now).timestamp())
        if account.is_open and row.room_share is not None:
            return (1, float(row.room_share))
        return (2, -account.started_at.timestamp())

    return sorted(rows, key=rank)


def _account_row(account: TradingAccount, now: dt.datetime) -> AccountRow:
    metrics = metrics_of(account)
    today_pnl = room = None
    room_limit = attention = ""
    if metrics is not None and account.is_open:
        today = trading_day_at(account.phase.reset_tz, account.phase.reset_hour, now).day
        if account.last_day == today and account.last_day_start_equity is not None:
            today_pnl = metrics.equity - account.last_day_start_equity
        else:
            today_pnl = ZERO
        rooms = [
            (value, label)
            for value, label in ((metrics.room_daily, "daily"), (metrics.room_total, "total"))
            if value is not None
        ]
        if rooms:
            room, room_limit = min(rooms, key=lambda pair: pair[0])
            attention = f"{room:,.2f} {account.currency} of room to the {room_limit} loss limit"
    failed = account.status == AccountStatus.FAILED and account.ended_at is not None
    if failed and now - account.ended_at <= JUST_FAILED_WINDOW:
        attention = f"Failed: {account.status_reason}" if account.status_reason else "Failed"
    return AccountRow(account, metrics, today_pnl, room, room_limit, attention)


# --- series for the charts ---------------------------------------------------------------


def daily_metrics(account: TradingAccount) -> list[DailyMetrics]:
    return list(DailyMetrics.objects.filter(account=account).order_by("day"))


# Both series keep, of `total` ordered rows, the first, the last, and the first row of each of
# `max_points` equal slices of row numbers (integer division).
_BALANCE_SERIES_SQL = """
    SELECT close_time, running_net FROM (
        SELECT close_time,
               SUM(net) OVER (ORDER BY close_time, id) AS running_net,
               ROW_NUMBER() OVER (ORDER BY close_time, id) AS position,
               COUNT(*) OVER () AS total
          FROM evaluations_trade
         WHERE account_id = %(account)s
    ) numbered
    WHERE position = 1 OR position = total
       OR (position * %(max_points)s) / total <> ((position - 1) * %(max_points)s) / total
"""
# Equity points: the snapshots bridges pushed and, for live accounts, the last equity of every
# minute the live monitors saw (live.EquityMinute), at the end of its minute.
_EQUITY_SERIES_SQL = """
    SELECT time, equity FROM (
        SELECT time, equity,
               ROW_NUMBER() OVER (ORDER BY time) AS position,
               COUNT(*) OVER () AS total
          FROM (
            SELECT time, equity FROM evaluations_equitysnapshot
             WHERE account_id = %(account)s
            UNION ALL
            SELECT minute + interval '59 seconds', last FROM live_equityminute
             WHERE account_id = %(account)s
          ) points
    ) numbered
    WHERE position = 1 OR position = total
       OR (position * %(max_points)s) / total <> ((position - 1) * %(max_points)s) / total
"""


# The live equity range: per-minute lows and highs, merged into at most ~max_points buckets of
# equal time so a year of minutes still draws as a few hundred points.
_EQUITY_RANGE_SQL = """
    WITH span AS (
        SELECT MIN(minute) AS first, MAX(minute) AS last FROM live_equityminute
         WHERE account_id = %(account)s
    )
    SELECT MIN(m.minute), MIN(m.low), MAX(m.high)
      FROM live_equityminute m, span
     WHERE m.account_id = %(account)s
     GROUP BY CASE WHEN span.last = span.first THEN 0
              ELSE floor(extract(epoch FROM m.minute - span.first)
                         / extract(epoch FROM span.last - span.first) * %(max_points)s) END
"""


def _downsampled(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def closed_balance_series(
    account: TradingAccount, max_points: int = SERIES_MAX_POINTS
) -> list[tuple[dt.datetime, Decimal]]:
    """Balance after closed trades and balance operations, at most ~`max_points` points.

    balance(t) = B0 + Σ net of trades closed ≤ t + Σ balance operations ≤ t. The running sum
    and the choice of rows happen in one SQL statement (window functions); only the kept
    rows come back, whatever the number of trades.
    """
    rows = _downsampled(_BALANCE_SERIES_SQL, {"account": account.pk, "max_points": max_points})
    operations = list(
        BalanceOperation.objects.counted()
        .filter(account=account)
        .order_by("time")
        .values_list("time", "amount")
    )
    op_times = [time for time, _ in operations]
    op_running = list(accumulate(amount for _, amount in operations))

    def operations_until(time: dt.datetime) -> Decimal:
        index = bisect_right(op_times, time)
        return op_running[index - 1] if index else ZERO

    start = (account.started_at, account.initial_balance + operations_until(account.started_at))
    return [start] + [
        (time, account.initial_balance + running + operations_until(time)) for time, running in rows
    ]


def equity_series(
    account: TradingAccount, max_points: int = SERIES_MAX_POINTS
) -> list[tuple[dt.datetime, Decimal]]:
    """Equity snapshots and live per-minute last equity, downsampled in the database to at most
    ~`max_points` points."""
    return equity_series_with_range(account, max_points)[0]


def equity_series_with_range(
    account: TradingAccount, max_points: int = SERIES_MAX_POINTS
) -> tuple[list[tuple[dt.datetime, Decimal]], list[tuple[dt.datetime, Decimal, Decimal]]]:
    """The equity points (`equity_series`) and the live equity range: (time, lowest, highest)
    from the per-minute bars in at most ~`max_points` buckets, empty for accounts without a
    live feed. One query."""
    sql = f"""
        SELECT 0, time, equity, NULL FROM ({_EQUITY_SERIES_SQL}) points
        UNION ALL
        SELECT 1, bucket.* FROM ({_EQUITY_RANGE_SQL}) bucket
        ORDER BY 1, 2"""  # noqa: S608
    rows = _downsampled(sql, {"account": account.pk, "max_points": max_points})
    points = [(time, equity) for kind, time, equity, _ in rows if kind == 0]
    ranges = [(time, low, high) for kind, time, low, high in rows if kind == 1]
    return points, ranges


def drawdown_series(
    account: TradingAccount, metrics: AccountMetrics | None = None
) -> list[tuple[dt.datetime, Decimal]]:
    """Drawdown below the running peak over the account's life, from the same timeline and
    formula as the "Max drawdown" statistic (`risk.engine.metrics.drawdown_path` over the
    trading equity: closed balance, equity snapshots, without deposits and withdrawals), so the
    chart's deepest point is that statistic. Starts at 0 when the account starts.

    The engine stores the path, thinned to about 400 points with the deepest kept
    (`AccountMetrics.drawdown`), with every evaluation: the page reads one row. Metrics saved
    before the path was stored are read through the engine's loader instead (a few queries of
    plain integers), until the account's next recompute.
    """
    start = (account.started_at, ZERO)
    if metrics is not None and metrics.drawdown:
        return [start] + [(from_ts(ts), from_cents(cents)) for ts, cents in metrics.drawdown]
    loaded = load_account(account.pk)
    if loaded is None:  # pragma: no cover - the account was just read
        return []
    _, account_in = loaded
    timeline = build_timeline(account_in)
    depths = drawdown_path(timeline.b0, timeline.trading_equities())
    points = thinned_path(timeline.times, depths, DRAWDOWN_SLICES)
    return [start] + [(from_ts(ts), from_cents(cents)) for ts, cents in points]


# --- violations --------------------------------------------------------------------------


def account_violations(account: TradingAccount) -> list[Violation]:
    """The account's violations, oldest first, without those risk staff dismissed."""
    return list(
        Violation.objects.filter(account=account)
        .exclude(status=ViolationStatus.DISMISSED)
        .order_by("time", "id")
    )


def violation_for_trader(user, login: str, pk: int) -> Violation:
    """One violation of one of the user's accounts; 404 for anyone else's."""
    queryset = Violation.objects.select_related(
        "account__program", "account__phase", "account__metrics"
    ).filter(account__trader_id=user.pk, account__login=login)
    return get_object_or_404(queryset, pk=pk)


def paused_until(account: TradingAccount, now: dt.datetime) -> dt.datetime | None:
    """The next reset, in the phase's zone, while a daily-loss pause (`on_breach:
    pause_until_reset`) is running; None when the account is not paused."""
    now_ts = int(now.timestamp())
    until = (
        Violation.objects.filter(
            account=account,
            rule_code="max_daily_loss",
            evidence__details__action="pause_until_reset",
            evidence__details__paused_until_ts__gt=now_ts,
        )
        .exclude(status=ViolationStatus.DISMISSED)
        .values_list("evidence__details__paused_until_ts", flat=True)
        .order_by("-time")
        .first()
    )
    if until is None:
        return None
    return dt.datetime.fromtimestamp(int(until), ZoneInfo(account.phase.reset_tz))


def platform_commands(account: TradingAccount, limit: int = 10) -> list[PlatformCommand]:
    """What the trading platform was told about the account, newest first (one query)."""
    return list(account.platform_commands.order_by("-issued_at", "-id")[:limit])


def failing_violation(account: TradingAccount) -> Violation | None:
    """The hard violation that failed the account (the first one if none is marked)."""
    hard = Violation.objects.filter(account=account, severity="hard").order_by(
        "-failed_account", "time", "id"
    )
    return hard.first()


def evidence_trades(violation: Violation) -> list[Trade]:
    """The trades a violation names as its evidence (only the violation's own account's)."""
    evidence = violation.evidence if isinstance(violation.evidence, dict) else {}
    ids = [i for i in evidence.get("trade_ids") or [] if isinstance(i, int)]
    if not ids:
        return []
    return list(
        Trade.objects.filter(account_id=violation.account_id, id__in=ids).order_by(
            "close_time", "id"
        )
    )


@dataclass
class DayPath:
    """What happened on one trading day, for the failure explanation chart."""

    bounds: TradingDay
    metrics: DailyMetrics | None
    balance: list[tuple[dt.datetime, Decimal]]
    equity: list[tuple[dt.datetime, Decimal]]


def day_path(account: TradingAccount, day: dt.date, max_points: int = 2000) -> DayPath:
    """Balance after each trade closed in the day, and the day's equity snapshots."""
    bounds = trading_day_bounds(account.phase.reset_tz, account.phase.reset_hour, day)
    metrics = DailyMetrics.objects.filter(account=account, day=day).first()
    if metrics is not None:
        start_balance = metrics.start_balance
    else:
        before = Trade.objects.filter(account=account, close_time__lt=bounds.start)
        ops = BalanceOperation.objects.counted().filter(account=account, time__lt=bounds.start)
        start_balance = (
            account.initial_balance
            + (before.aggregate(total=Sum("net"))["total"] or ZERO)
            + (ops.aggregate(total=Sum("amount"))["total"] or ZERO)
        )
    closed = Trade.objects.filter(
        account=account, close_time__gte=bounds.start, close_time__lt=bounds.end
    ).order_by("close_time", "id")
    balance = [(bounds.start, start_balance)]
    running = start_balance
    for time, net in closed.values_list("close_time", "net")[:max_points]:
        running += net
        balance.append((time, running))
    equity = list(
        account.equity_snapshots.filter(time__gte=bounds.start, time__lt=bounds.end)
        .order_by("time")
        .values_list("time", "equity")[:max_points]
    )
    return DayPath(bounds, metrics, balance, equity)


# --- journal -----------------------------------------------------------------------------

# sort key -> ordering; ties broken by close time and id so pages never overlap
JOURNAL_SORTS: dict[str, tuple[str, ...]] = {
    "close_time": ("close_time", "id"),
    "open_time": ("open_time", "id"),
    "symbol": ("symbol", "close_time", "id"),
    "side": ("side", "close_time", "id"),
    "volume": ("volume", "close_time", "id"),
    "open_price": ("open_price", "close_time", "id"),
    "close_price": ("close_price", "close_time", "id"),
    "holding": ("holding", "close_time", "id"),
    "commission": ("commission", "close_time", "id"),
    "swap": ("swap", "close_time", "id"),
    "profit": ("profit", "close_time", "id"),
    "net": ("net", "close_time", "id"),
}
DEFAULT_JOURNAL_SORT = "-close_time"


def journal_trades(
    account: TradingAccount,
    *,
    symbol: str = "",
    side: str = "",
    closed_from: dt.datetime | None = None,
    closed_before: dt.datetime | None = None,
    sort: str = DEFAULT_JOURNAL_SORT,
) -> QuerySet[Trade]:
    """The account's trades, filtered and sorted (`sort` is a JOURNAL_SORTS key, "-" = desc).

    Each trade carries `holding` (close − open) and `holding_seconds` (the same in seconds).
    """
    holding = ExpressionWrapper(F("close_time") - F("open_time"), output_field=DurationField())
    trades = Trade.objects.filter(account=account).annotate(
        holding=holding, holding_seconds=Cast(Extract(holding, "epoch"), IntegerField())
    )
    if symbol:
        trades = trades.filter(symbol=symbol)
    if side:
        trades = trades.filter(side=side)
    if closed_from is not None:
        trades = trades.filter(close_time__gte=closed_from)
    if closed_before is not None:
        trades = trades.filter(close_time__lt=closed_before)
    descending = sort.startswith("-")
    fields = JOURNAL_SORTS.get(sort.lstrip("-"), JOURNAL_SORTS["close_time"])
    return trades.order_by(*(f"-{f}" if descending else f for f in fields))


def account_symbols(account: TradingAccount) -> list[str]:
    return list(
        Trade.objects.filter(account=account)
        .order_by("symbol")
        .values_list("symbol", flat=True)
        .distinct()
    )
