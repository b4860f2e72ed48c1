"""Max daily loss.

    ref_d   = the reference at the start of day d (day 0: B0), where the reference is the
              balance, the equity, or the higher of the two (`reference`)
    limit_d = ref_d − percent × base,  base = B0 (`amount_base=initial`) or ref_d (`reference`)
    breach  when equity(t) < limit_d for some t in day d, checked at the reset instant itself
            and at every later point of the day (equal is not a breach)

A deposit or withdrawal during the day moves that day's limit by the same amount, so a payout
is not a loss. One breach per day at most, keyed "max_daily_loss:<day>".
"""

from __future__ import annotations

from dataclasses import dataclass

from ..daybook import DayBook
from ..params import Percent
from ..timeline import Timeline
from ..types import Breach, RuleIn
from ..wording import format_money, format_percent, format_utc
from .evidence import evidence_trades

CODE = "max_daily_loss"


@dataclass(slots=True)
class DailyLoss:
    breaches: list[Breach]
    references: list[int]  # ref_d per day
    limits: list[int]  # limit_d per day (at the reset, before intraday flows)


def day_references(book: DayBook, b0: int, reference: str) -> list[int]:
    """ref_d for every day of the book (day 0: B0)."""
    if reference == "balance":
        references = list(book.start_balance)
    elif reference == "equity":
        references = list(book.start_equity)
    else:
        references = list(map(max, book.start_balance, book.start_equity))
    if references:
        references[0] = b0
    return references


def max_daily_loss(timeline: Timeline, book: DayBook, rule: RuleIn, currency: str) -> DailyLoss:
    """Evaluate the max-daily-loss rule over every day of the book; see the module docstring."""
    params = rule.params
    percent = Percent.parse(params["percent"])
    from_initial = params.get("amount_base", "initial") == "initial"
    b0 = timeline.b0
    references = day_references(book, b0, params.get("reference", "balance"))
    if from_initial:
        allowance = percent.of(b0)
        limits = [reference - allowance for reference in references]
    else:
        limits = [daily_limit(percent, False, b0, reference) for reference in references]

    breaches: list[Breach] = []
    min_equity = book.min_equity
    for k, limit in enumerate(limits):
        if min_equity[k] >= limit and not timeline.has_flows:
            continue
        below = _first_below(timeline, book, k, limit)
        if below is None:
            continue
        breaches.append(
            _breach(
                timeline,
                book,
                rule,
                day_index=k,
                below=below,
                reference=references[k],
                base=b0 if from_initial else references[k],
                currency=currency,
            )
        )
    return DailyLoss(breaches, references, limits)


@dataclass(frozen=True, slots=True)
class BelowLimit:
    """The first instant of a day where equity is below that day's limit."""

    ts: int
    equity: int
    limit: int  # the limit at ts (moved by the day's deposits and withdrawals so far)
    snapshot_id: int | None


def _first_below(timeline: Timeline, book: DayBook, k: int, limit: int) -> BelowLimit | None:
    """The first point of day k (the carried start state included) below its limit."""
    if not book.reset_point[k] and book.start_equity[k] < limit:
        return BelowLimit(book.starts[k], book.start_equity[k], limit, book.start_snapshot[k])
    start_flow = book.start_flow[k]
    equities, flows, times = timeline.equities, timeline.flows, timeline.times
    for i in range(book.point_lo[k], book.point_hi[k]):
        shifted = limit + flows[i] - start_flow
        if equities[i] < shifted:
            snapshot_id = timeline.snapshot_ids[i] if timeline.snapshot_ids is not None else None
            return BelowLimit(times[i], equities[i], shifted, snapshot_id)
    return None


def daily_limit(percent: Percent, from_initial: bool, b0: int, reference: int) -> int:
    """limit_d = ref_d − percent × base, base = B0 (`amount_base=initial`) or ref_d."""
    return reference - percent.of(b0 if from_initial else reference)


def _breach(
    timeline: Timeline,
    book: DayBook,
    rule: RuleIn,
    *,
    day_index: int,
    below: BelowLimit,
    reference: int,
    base: int,
    currency: str,
) -> Breach:
    k = day_index
    return daily_loss_breach(
        rule.params,
        rule.severity,
        day=book.labels[k],
        day_start_ts=book.starts[k],
        day_end_ts=book.starts[k + 1],
        ts=below.ts,
        equity=below.equity,
        limit=below.limit,
        reference=reference,
        base=base,
        currency=currency,
        trade_ids=evidence_trades(timeline, book.starts[k], below.ts),
        snapshot_id=below.snapshot_id,
    )


def daily_loss_breach(
    params: dict,
    severity: str,
    *,
    day: str,
    day_start_ts: int,
    day_end_ts: int,
    ts: int,
    equity: int,
    limit: int,
    reference: int,
    base: int,
    currency: str,
    trade_ids: tuple[int, ...] = (),
    snapshot_id: int | None = None,
) -> Breach:
    """The breach of day `day` at ts: equity below the limit (moved by the day's flows), worded
    for the trader. Shared by the engine and the live evaluator (`live.engine`)."""
    at_reset = ts == day_start_ts
    percent = params["percent"]
    money = format_money
    when = f"at the {day} reset" if at_reset else f"on trading day {day} at {format_utc(ts)}"
    message = (
        f"Equity {money(equity, currency)} fell below the daily loss limit "
        f"{money(limit, currency)} (reference {money(reference, currency)} − "
        f"{format_percent(percent)} of {money(base, currency)}) {when}."
    )
    return Breach(
        code=CODE,
        severity=severity,
        ts=ts,
        threshold=limit,
        observed=equity,
        unit="cents",
        key=f"{CODE}:{day}",
        message=message,
        day=day,
        trade_ids=trade_ids,
        snapshot_id=snapshot_id,
        details={
            "reference": reference,
            "reference_kind": params.get("reference", "balance"),
            "amount_base": params.get("amount_base", "initial"),
            "base": base,
            "percent": percent,
            "day_start_ts": day_start_ts,
            "day_end_ts": day_end_ts,
            "at_reset": at_reset,
        },
    )
