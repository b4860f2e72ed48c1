"""The read paths of the staff dashboards: one function per figure or table.

Every number is aggregated by the database (`annotate`, `aggregate`, `Window`, one raw
PostgreSQL query for open exposure, with an ORM twin elsewhere); Python only reshapes the few
grouped rows that come back (percentages, month merging), never loops over accounts.

Conventions:
- A `ReportFilter` is a range of whole UTC days [start, end] and an optional program.
- Money stays Decimal; sums are per currency where programs could differ in currency.
- "Open" accounts are `active` and `funded` ones (`evaluations.models.accounts.OPEN_STATUSES`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Least, NullIf, Rank, TruncMonth

from evaluations.models import (
    AccountStatus,
    EquitySnapshot,
    PhaseKind,
    Program,
    TradingAccount,
)
from evaluations.models.accounts import OPEN_STATUSES
from payouts.models import PayoutRequest, PayoutStatus
from payouts.selectors import trader_share_expression
from risk.models import AccountMetrics, DailyMetrics, Violation

UTC = dt.UTC
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=18, decimal_places=2)
PERCENT = DecimalField(max_digits=12, decimal_places=2)
LOTS = DecimalField(max_digits=18, decimal_places=4)


@dataclass(frozen=True)
class ReportFilter:
    """Whole UTC days from `start` to `end` (both included), and optionally one program."""

    start: dt.date
    end: dt.date
    program_id: int | None = None

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(0), tzinfo=UTC)

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive: midnight UTC after `end`."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(0), tzinfo=UTC)

    def program_q(self, path: str = "program") -> Q:
        return Q(**{f"{path}_id": self.program_id}) if self.program_id else Q()


def _rate(part: int, whole: int) -> Decimal | None:
    """part / whole in percent, two places; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


# --- Risk monitor -------------------------------------------------------------------------


def closest_to_limits(flt: ReportFilter, limit: int | None = 20) -> QuerySet:
    """Open accounts ordered by the room left to their nearest loss limit, right now.

    room % = room / B0 × 100 (room in money from the latest evaluation: equity − floor), for the
    daily and the total limit; `closest_pct` = the smaller of the two (PostgreSQL's LEAST skips
    a missing one). Accounts never evaluated, or without loss limits, are left out.
    """
    b0 = F("account__initial_balance")
    rows = (
        AccountMetrics.objects.filter(flt.program_q("account__program"))
        .filter(account__status__in=OPEN_STATUSES)
        .annotate(
            room_daily_pct=Cast(F("room_daily") * 100 / b0, PERCENT),
            room_total_pct=Cast(F("room_total") * 100 / b0, PERCENT),
        )
        .annotate(closest_pct=Least("room_daily_pct", "room_total_pct"))
        .filter(closest_pct__isnull=False)
        .order_by("closest_pct", "account_id")
        .values(
            "account_id",
            "room_daily",
            "room_total",
            "room_daily_pct",
            "room_total_pct",
            "closest_pct",
            "equity",
            "daily_floor",
            "total_floor",
            login=F("account__login"),
            trader_email=F("account__trader__email"),
            program_name=F("account__program__name"),
            phase_name=F("account__phase__name"),
            status=F("account__status"),
            currency=F("account__currency"),
            initial_balance=F("account__initial_balance"),
        )
    )
    return rows[:limit] if limit else rows


def violations_by_rule(flt: ReportFilter) -> QuerySet:
    """Violations whose breach time falls in the range, counted by rule and severity."""
    return (
        Violation.objects.filter(
            flt.program_q("account__program"), time__gte=flt.start_at, time__lt=flt.end_at
        )
        .values("rule_code", "severity")
        .annotate(
            violations=Count("id"),
            accounts=Count("account_id", distinct=True),
            failed_accounts=Count("id", filter=Q(failed_account=True)),
        )
        .order_by("-violations", "rule_code", "severity")
    )


def accounts_by_status(flt: ReportFilter) -> QuerySet:
    """Accounts per status right now (all phases of the chosen programs)."""
    return (
        TradingAccount.objects.filter(flt.program_q())
        .values("status")
        .annotate(accounts=Count("id"))
        .order_by("status")
    )


EXPOSURE_SQL = """
WITH latest AS (
    SELECT a.id AS account_id, s.time
    FROM evaluations_tradingaccount a
    CROSS JOIN LATERAL (
        SELECT time FROM evaluations_equitysnapshot
        WHERE account_id = a.id ORDER BY time DESC LIMIT 1
    ) s
    WHERE a.status = ANY(%(open)s) AND (%(program)s::bigint IS NULL OR a.program_id = %(program)s)
)
SELECT t.symbol,
       SUM(CASE WHEN t.side = 'buy' THEN t.volume ELSE -t.volume END) AS net_lots,
       SUM(t.volume) AS gross_lots,
       COUNT(*) AS positions,
       COUNT(DISTINCT t.account_id) AS accounts
FROM latest l
CROSS JOIN LATERAL (
    -- per account, through the (account, close_time) index: only trades closed after the
    -- snapshot are read, never the account's whole history. OFFSET 0 keeps the planner from
    -- flattening this into a hash join over every trade.
    SELECT symbol, side, volume, account_id, open_time FROM evaluations_trade
    WHERE account_id = l.account_id AND close_time > l.time
    OFFSET 0
) t
WHERE t.open_time <= l.time
GROUP BY t.symbol
ORDER BY gross_lots DESC, t.symbol
"""


def open_exposure_by_symbol(flt: ReportFilter) -> list[dict]:
    """Positions known to be open at each open account's latest equity snapshot, by symbol.

    Snapshots carry (time, balance, equity) but no positions; trades arrive when they close.
    So a position counts when it opened at or before the account's latest snapshot and closed
    after it: net lots = Σ buy volume − Σ sell volume, gross lots = Σ volume. Positions still
    open now (not yet imported) cannot be seen; accounts without snapshots contribute nothing.
    """
    params = {"open": [str(s) for s in OPEN_STATUSES], "program": flt.program_id}
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner's estimate for the per-account lateral scan is far above its real cost
        # (~70 ms on 10,000 accounts), enough to trigger JIT compilation (~120 ms) for nothing.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(EXPOSURE_SQL, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _open_accounts_with_latest_snapshot(flt: ReportFilter) -> QuerySet:
    latest = EquitySnapshot.objects.filter(account=OuterRef("pk")).order_by("-time")
    floating = ExpressionWrapper(F("equity") - F("balance"), output_field=MONEY)
    return TradingAccount.objects.filter(flt.program_q(), status__in=OPEN_STATUSES).annotate(
        latest_time=Subquery(latest.values("time")[:1]),
        latest_floating=Subquery(
            latest.annotate(floating=floating).values("floating")[:1], output_field=MONEY
        ),
    )


def floating_pnl(flt: ReportFilter) -> dict:
    """Floating P&L (equity − balance) at each open account's latest snapshot, summed.

    `accounts` counts the open accounts that have a snapshot at all; `losing` those whose
    latest snapshot shows a floating loss.
    """
    return _open_accounts_with_latest_snapshot(flt).aggregate(
        accounts=Count("pk", filter=Q(latest_time__isnull=False)),
        floating=Coalesce(Sum("latest_floating"), Value(ZERO), output_field=MONEY),
        losing=Count("pk", filter=Q(latest_floating__lt=0)),
    )


# --- Program funnel -------------------------------------------------------------------------

PASSED_OR_ADVANCED = Q(status=AccountStatus.PASSED) | Q(next_account__isnull=False)
SECOND_IS_EVALUATION = Q(next_account__phase__kind=PhaseKind.EVALUATION)


def program_funnel(flt: ReportFilter) -> list[dict]:
    """Cohorts of first-phase accounts started in the range, per program and month, followed
    down their chain of accounts (previous_account → next_account):

    started → passed phase 1 → passed phase 2 (two-step programs) → funded → paid out (a paid
    payout on the funded account). A phase counts as passed when the account is `passed` or
    already has its next account. Pass rate of a phase = passed / (passed + failed): accounts
    still trading are not counted either way.
    """
    second = "next_account"
    third = "next_account__next_account"
    funded_q = Q(**{f"{second}__phase__kind": PhaseKind.FUNDED}) | Q(
        **{f"{third}__phase__kind": PhaseKind.FUNDED}
    )
    paid_q = Q(**{f"{second}__payout_requests__status": PayoutStatus.PAID}) | Q(
        **{f"{third}__payout_requests__status": PayoutStatus.PAID}
    )
    second_passed = SECOND_IS_EVALUATION & (
        Q(**{f"{second}__status": AccountStatus.PASSED}) | Q(**{f"{third}__isnull": False})
    )
    rows = (
        TradingAccount.objects.filter(
            flt.program_q(),
            phase__order=1,
            started_at__gte=flt.start_at,
            started_at__lt=flt.end_at,
        )
        .annotate(month=TruncMonth("started_at", tzinfo=UTC))
        .values("program_id", "month", program_name=F("program__name"))
        .annotate(
            started=Count("id", distinct=True),
            passed_1=Count("id", distinct=True, filter=PASSED_OR_ADVANCED),
            failed_1=Count("id", distinct=True, filter=Q(status=AccountStatus.FAILED)),
            passed_2=Count("id", distinct=True, filter=second_passed),
            failed_2=Count(
                "id",
                distinct=True,
                filter=SECOND_IS_EVALUATION & Q(**{f"{second}__status": AccountStatus.FAILED}),
            ),
            funded=Count("id", distinct=True, filter=funded_q),
            paid_out=Count("id", distinct=True, filter=paid_q),
        )
        .order_by("program_name", "month")
    )
    two_step = set(
        Program.objects.annotate(
            evaluations=Count("phases", filter=Q(phases__kind=PhaseKind.EVALUATION))
        )
        .filter(evaluations__gte=2)
        .values_list("pk", flat=True)
    )
    result = []
    for row in rows:
        has_second = row["program_id"] in two_step
        result.append(
            {
                **row,
                "month": row["month"].date(),
                "passed_2": row["passed_2"] if has_second else None,
                "failed_2": row["failed_2"] if has_second else None,
                "pass_rate_1": _rate(row["passed_1"], row["passed_1"] + row["failed_1"]),
                "pass_rate_2": (
                    _rate(row["passed_2"], row["passed_2"] + row["failed_2"])
                    if has_second
                    else None
                ),
                "funded_rate": _rate(row["funded"], row["started"]),
            }
        )
    return result


def funnel_totals(rows: list[dict]) -> list[dict]:
    """The funnel rows summed per program over the whole range (the chart's stages)."""
    totals: dict[str, dict] = {}
    keys = ("started", "passed_1", "failed_1", "passed_2", "failed_2", "funded", "paid_out")
    for row in rows:
        name = row["program_name"]
        total = totals.setdefault(name, {"program_name": name} | dict.fromkeys(keys))
        for key in keys:
            if row[key] is not None:
                total[key] = (total[key] or 0) + row[key]
    return list(totals.values())


def failing_rules(flt: ReportFilter) -> QuerySet:
    """The breaches that failed accounts in the range, by program and rule: which rule fails
    most traders (`traders` counts distinct people)."""
    return (
        Violation.objects.filter(
            flt.program_q("account__program"),
            failed_account=True,
            time__gte=flt.start_at,
            time__lt=flt.end_at,
        )
        .values("rule_code", program_name=F("account__program__name"))
        .annotate(accounts=Count("account_id", distinct=True))
        .annotate(traders=Count("account__trader_id", distinct=True))
        .order_by("-traders", "rule_code", "program_name")
    )


def days_to_pass(flt: ReportFilter) -> list[dict]:
    """Average days from start to pass per program and evaluation phase, for phases passed
    (ended) in the range: avg(ended_at − started_at) in days, one decimal."""
    rows = (
        TradingAccount.objects.filter(
            PASSED_OR_ADVANCED,
            flt.program_q(),
            phase__kind=PhaseKind.EVALUATION,
            ended_at__gte=flt.start_at,
            ended_at__lt=flt.end_at,
        )
        .values(
            "phase__order",
            program_name=F("program__name"),
            phase_name=F("phase__name"),
        )
        .annotate(passed=Count("id", distinct=True), average=Avg(F("ended_at") - F("started_at")))
        .order_by("program_name", "phase__order")
    )
    return [
        {
            **row,
            "average_days": Decimal(row["average"].total_seconds() / 86400).quantize(
                Decimal("0.1")
            ),
        }
        for row in rows
    ]


# --- Money ---------------------------------------------------------------------------------


def fees_and_payouts_by_month(flt: ReportFilter) -> list[dict]:
    """Per month and currency: fees collected (program price × first-phase accounts started)
    against trader shares paid out (payouts `paid` in the month), and the difference."""
    fees = (
        TradingAccount.objects.filter(
            flt.program_q(), phase__order=1, started_at__gte=flt.start_at, started_at__lt=flt.end_at
        )
        .annotate(month=TruncMonth("started_at", tzinfo=UTC))
        .values("month", currency_code=F("program__currency"))
        .annotate(accounts_sold=Count("id"), fees=Sum("program__price"))
        .order_by()
    )
    paid = (
        PayoutRequest.objects.filter(
            flt.program_q("account__program"),
            status=PayoutStatus.PAID,
            paid_at__gte=flt.start_at,
            paid_at__lt=flt.end_at,
        )
        .annotate(month=TruncMonth("paid_at", tzinfo=UTC))
        .values("month", currency_code=F("currency"))
        .annotate(payouts=Count("id"), paid=Sum("trader_share"), withdrawn=Sum("amount"))
        .order_by()
    )
    months: dict[tuple, dict] = {}
    empty = {"accounts_sold": 0, "fees": ZERO, "payouts": 0, "paid": ZERO, "withdrawn": ZERO}
    for row in [*fees, *paid]:
        key = (row["month"].date(), row["currency_code"])
        merged = months.setdefault(key, {"month": key[0], "currency": key[1], **empty})
        merged.update({k: v for k, v in row.items() if k in empty})
    result = sorted(months.values(), key=lambda r: (r["month"], r["currency"]))
    for row in result:
        row["net"] = row["fees"] - row["paid"]
    return result


def liability_accounts(flt: ReportFilter) -> QuerySet:
    """Funded accounts with what the firm would owe if each asked for its payout now.

    profit = balance − B0, the balance of the account's latest evaluation (AccountMetrics,
    refreshed by the risk engine on every import and day rollover; an account never evaluated
    counts as B0). A paid payout's withdrawal took the profit already paid, so nothing more is
    subtracted. owed = the trader's share of max(profit, 0): `payouts.eligibility.trader_share`,
    as SQL (`payouts.selectors.trader_share_expression`), rounded down to the cent like a payout.
    (The payout request itself re-reads the ledger: `payouts.selectors.account_profit`.)
    """
    balance = Coalesce(F("metrics__balance"), F("initial_balance"), output_field=MONEY)
    owed = trader_share_expression(F("profit"), F("phase__profit_split"))
    return (
        TradingAccount.objects.filter(flt.program_q(), status=AccountStatus.FUNDED)
        .annotate(profit=ExpressionWrapper(balance - F("initial_balance"), output_field=MONEY))
        .annotate(owed=owed)
        .values(
            "login",
            "currency",
            "profit",
            "owed",
            trader_email=F("trader__email"),
            program_name=F("program__name"),
            split=F("phase__profit_split"),
        )
        .order_by("-owed", "login")
    )


def payout_liability(flt: ReportFilter) -> list[dict]:
    """Total payout liability per currency (see `liability_accounts`)."""
    return list(
        liability_accounts(flt)
        .order_by()
        .values("currency")
        .annotate(
            funded_accounts=Count("id"),
            in_profit=Count("id", filter=Q(profit__gt=0)),
            liability=Sum("owed"),
        )
        .order_by("currency")
    )


# --- Traders -------------------------------------------------------------------------------


def leaderboard(flt: ReportFilter, limit: int | None = 50) -> QuerySet:
    """Traders ranked by net P&L over the trading days in the range (chosen program).

    Read from DailyMetrics, the engine's per-account, per-day rollup of closed trades (a day
    runs from reset to reset in the phase's zone), so the ranking reads one row per account
    and day rather than every trade. The engine stores a row for every day of an account, idle
    ones too: trading days are the rows with a closed trade, and winning days % = trading days
    with net > 0 / trading days (none when the trader had no trading day in the range).
    """
    traded = Q(trades_closed__gt=0)
    rows = (
        DailyMetrics.objects.filter(
            flt.program_q("account__program"), day__gte=flt.start, day__lte=flt.end
        )
        .values(trader_id=F("account__trader_id"), trader_email=F("account__trader__email"))
        .annotate(
            net_pnl=Sum("net"),
            trades=Sum("trades_closed"),
            trading_days=Count("id", filter=traded),
            winning_days=Count("id", filter=traded & Q(net__gt=0)),
            lots_traded=Sum("lots"),
        )
        .annotate(
            win_rate=Cast(
                F("winning_days") * Decimal("100.0") / NullIf(F("trading_days"), 0), PERCENT
            ),
            rank=Window(Rank(), order_by=F("net_pnl").desc()),
        )
        .order_by("rank", "trader_email")
    )
    return rows[:limit] if limit else rows


def trader_accounts(trader_id: int) -> QuerySet:
    """All of one trader's accounts, oldest first, with their latest metrics, violation count
    and trader shares paid."""
    paid = (
        PayoutRequest.objects.filter(account=OuterRef("pk"), status=PayoutStatus.PAID)
        .order_by()
        .values("account")
        .annotate(total=Sum("trader_share"))
        .values("total")
    )
    return (
        TradingAccount.objects.filter(trader_id=trader_id)
        .annotate(
            violation_count=Count("violations", distinct=True),
            paid_out=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY),
        )
        .values(
            "id",
            "login",
            "status",
            "status_reason",
            "started_at",
            "ended_at",
            "initial_balance",
            "currency",
            "violation_count",
            "paid_out",
            program_name=F("program__name"),
            phase_name=F("phase__name"),
            balance=F("metrics__balance"),
            net_profit=F("metrics__net_profit"),
            trade_count=F("metrics__trades"),
        )
        .order_by("started_at", "id")
    )


def trader_violations(trader_id: int, limit: int | None = 100) -> QuerySet:
    rows = (
        Violation.objects.filter(account__trader_id=trader_id)
        .values(
            "time",
            "rule_code",
            "severity",
            "status",
            "message",
            "failed_account",
            login=F("account__login"),
        )
        .order_by("-time", "id")
    )
    return rows[:limit] if limit else rows


def trader_payouts(trader_id: int) -> QuerySet:
    return (
        PayoutRequest.objects.filter(account__trader_id=trader_id)
        .values(
            "id",
            "status",
            "requested_at",
            "paid_at",
            "amount",
            "trader_share",
            "currency",
            login=F("account__login"),
        )
        .order_by("-requested_at", "-id")
    )


def trader_daily_pnl(trader_id: int, flt: ReportFilter) -> list[dict]:
    """Closed net P&L per trading day over all the trader's accounts (summed by the database),
    with the running total over the days shown."""
    days = list(
        DailyMetrics.objects.filter(
            account__trader_id=trader_id, day__gte=flt.start, day__lte=flt.end
        )
        .values("day")
        .annotate(day_net=Sum("net"))
        .order_by("day")
    )
    running = ZERO
    for day in days:
        running += day["day_net"]
        day["cumulative"] = running
    return days
