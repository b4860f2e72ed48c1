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
        refs = list(book.start_bal)
    elif reference == "equity":
        refs = list(book.start_eq)
    else:
        refs = list(map(max, book.start_bal, book.start_eq))
    if refs:
        refs[0] = b0
    return refs


def max_daily_loss(tl: Timeline, book: DayBook, rule: RuleIn, currency: str) -> DailyLoss:
    """Evaluate the max-daily-loss rule over every day of the book; see the module docstring."""
    params = rule.params
    pct = Percent.parse(params["percent"])
    from_initial = params.get("amount_base", "initial") == "initial"
    reference = params.get("reference", "balance")
    b0 = tl.b0
    refs = day_references(book, b0, reference)
    allowance = pct.of(b0)
    limits = [r - allowance for r in refs] if from_initial else [r - pct.of(r) for r in refs]

    breaches: list[Breach] = []
    min_eq = book.min_eq
    for k, limit in enumerate(limits):
        if min_eq[k] >= limit and not tl.has_flows:
            continue
        found = _first_below(tl, book, k, limit)
        if found is None:
            continue
        ts, observed, threshold, snap_id = found
        base = b0 if from_initial else refs[k]
        breaches.append(
            _breach(tl, book, rule, k, ts, observed, threshold, refs[k], base, snap_id, currency)
        )
    return DailyLoss(breaches, refs, limits)


def _first_below(tl: Timeline, book: DayBook, k: int, limit: int):
    """(ts, equity, limit at ts, snapshot id) of the first point of day k below its limit."""
    start = book.starts[k]
    flow0 = book.start_flow[k]
    if not book.reset_point[k] and book.start_eq[k] < limit:
        return start, book.start_eq[k], limit, book.start_snap[k]
    eq, flow, pts = tl.eq, tl.flow, tl.ts
    for i in range(book.point_lo[k], book.point_hi[k]):
        shifted = limit + flow[i] - flow0
        if eq[i] < shifted:
            snap_id = tl.snap[i] if tl.snap is not None else None
            return pts[i], eq[i], shifted, snap_id
    return None


def _breach(tl, book, rule, k, ts, observed, threshold, ref, base, snap_id, currency) -> Breach:
    day = book.labels[k]
    at_reset = ts == book.starts[k]
    pct = rule.params["percent"]
    money = format_money
    when = f"at the {day} reset" if at_reset else f"on trading day {day} at {format_utc(ts)}"
    message = (
        f"Equity {money(observed, currency)} fell below the daily loss limit "
        f"{money(threshold, currency)} (reference {money(ref, currency)} − "
        f"{format_percent(pct)} of {money(base, currency)}) {when}."
    )
    return Breach(
        code=CODE,
        severity=rule.severity,
        ts=ts,
        threshold=threshold,
        observed=observed,
        unit="cents",
        key=f"{CODE}:{day}",
        message=message,
        day=day,
        trade_ids=evidence_trades(tl, book.starts[k], ts),
        snapshot_id=snap_id,
        details={
            "reference": ref,
            "reference_kind": rule.params.get("reference", "balance"),
            "amount_base": rule.params.get("amount_base", "initial"),
            "base": base,
            "percent": pct,
            "day_start_ts": book.starts[k],
            "day_end_ts": book.starts[k + 1],
            "at_reset": at_reset,
        },
    )
