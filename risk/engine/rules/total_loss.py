"""Max total loss: equity must stay at or above a floor.

    static             floor = B0 − percent × B0
    trailing_intraday  floor(t) = min(HWM(t) − percent × B0, lock_at), HWM = highest equity so far
    trailing_eod       same, HWM = highest end-of-day balance; the floor moves only at the reset
    trailing_closed    same, HWM = highest balance after a close; the floor moves immediately

HWM starts at B0 and the floor never goes down. Breach when equity(t) < floor(t) (equal is not
a breach); only the first breach is reported, keyed "max_total_loss". Deposits and withdrawals
shift HWM and trailing floors by their amount ("HWM and trailing floors follow the new
balance"); the static floor stays at B0 − percent × B0.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from operator import lt

from ..daybook import DayBook
from ..params import Percent, lock_cents
from ..timeline import Timeline
from ..types import Breach, RuleIn
from ..wording import format_money, format_percent, format_utc
from .evidence import evidence_trades

CODE = "max_total_loss"
HWM_WORDS = {
    "trailing_intraday": "highest equity",
    "trailing_eod": "highest end-of-day balance",
    "trailing_closed": "highest closed balance",
}


@dataclass(slots=True)
class TotalLoss:
    breaches: list[Breach]
    day_floors: list[int]  # the floor at the end of each day
    floor: int  # the floor as of the end of the timeline
    hwm: int  # the high-water mark the floor trails (B0 for static: highest equity)


def max_total_loss(timeline: Timeline, book: DayBook, rule: RuleIn, currency: str) -> TotalLoss:
    """Evaluate the max-total-loss rule in its mode; see the module docstring."""
    params = rule.params
    b0 = timeline.b0
    allowance = Percent.parse(params["percent"]).of(b0)
    mode = params.get("mode", "static")
    lock = lock_cents(params.get("lock_at"), b0)
    if mode == "static":
        return _static(timeline, book, rule, floor=b0 - allowance, currency=currency)
    trailing = _trailing_eod if mode == "trailing_eod" else _trailing_points
    return trailing(timeline, book, rule, allowance=allowance, lock=lock, currency=currency)


@dataclass(frozen=True, slots=True)
class BelowFloor:
    """The first instant equity is below the floor, with the high-water mark behind it."""

    ts: int
    equity: int
    floor: int
    hwm: int | None  # None for the static floor
    snapshot_id: int | None


def _at_point(timeline: Timeline, i: int, floor: int, hwm: int | None) -> BelowFloor:
    snapshot_id = timeline.snapshot_ids[i] if timeline.snapshot_ids is not None else None
    return BelowFloor(timeline.times[i], timeline.equities[i], floor, hwm, snapshot_id)


def _static(timeline: Timeline, book: DayBook, rule: RuleIn, *, floor: int, currency: str):
    equities = timeline.equities
    breaches = []
    if equities and min(equities) < floor:
        i = next(i for i, equity in enumerate(equities) if equity < floor)
        breaches.append(
            _breach(timeline, book, rule, _at_point(timeline, i, floor, None), currency=currency)
        )
    b0 = timeline.b0
    hwm = max(b0, *timeline.trading_equities()) + timeline.flows[-1] if equities else b0
    return TotalLoss(breaches, [floor] * len(book), floor, hwm)


def _trailing_points(
    timeline: Timeline,
    book: DayBook,
    rule: RuleIn,
    *,
    allowance: int,
    lock: int | None,
    currency: str,
) -> TotalLoss:
    """trailing_intraday (HWM on equity) and trailing_closed (HWM on balance), per point."""
    b0 = timeline.b0
    if rule.params.get("mode") == "trailing_intraday":
        source = timeline.trading_equities()
    else:
        source = timeline.trading_balances()
    first_floor = b0 - allowance if lock is None else min(b0 - allowance, lock)
    hwms = list(accumulate(source, max, initial=b0))[1:]
    if lock is None:
        candidates = [hwm - allowance for hwm in hwms]
    elif timeline.has_flows:
        candidates = [
            min(hwm - allowance, lock - flow)
            for hwm, flow in zip(hwms, timeline.flows, strict=True)
        ]
    else:
        candidates = [min(hwm - allowance, lock) for hwm in hwms]
    floors = list(accumulate(candidates, max, initial=first_floor))[1:]  # without flows
    trading_equities = timeline.trading_equities()
    flows = timeline.flows
    breaches = []
    if any(map(lt, trading_equities, floors)):
        i = next(
            i
            for i, (equity, floor) in enumerate(zip(trading_equities, floors, strict=True))
            if equity < floor
        )
        below = _at_point(timeline, i, floors[i] + flows[i], hwms[i] + flows[i])
        breaches.append(_breach(timeline, book, rule, below, currency=currency))
    day_floors = []
    current = first_floor
    for k in range(len(book)):
        hi = book.point_hi[k]
        if hi > book.point_lo[k]:
            current = floors[hi - 1]
        day_floors.append(current + book.end_flow[k])
    end_flow = flows[-1] if flows else 0
    floor = (floors[-1] if floors else first_floor) + end_flow
    hwm = (hwms[-1] if hwms else b0) + end_flow
    return TotalLoss(breaches, day_floors, floor, hwm)


def _trailing_eod(
    timeline: Timeline,
    book: DayBook,
    rule: RuleIn,
    *,
    allowance: int,
    lock: int | None,
    currency: str,
) -> TotalLoss:
    """trailing_eod: the floor of day d trails the highest end-of-day balance of days < d."""
    b0 = timeline.b0
    hwm = b0
    floor = b0 - allowance if lock is None else min(b0 - allowance, lock)
    breaches: list[Breach] = []
    day_floors = []
    equities, flows = timeline.equities, timeline.flows
    for k in range(len(book)):
        start_flow = book.start_flow[k]
        if k:
            candidate = hwm - allowance
            if lock is not None:
                candidate = min(candidate, lock - start_flow)
            floor = max(floor, candidate)
        if not breaches and (timeline.has_flows or book.min_equity[k] < floor + start_flow):
            below = None
            if not book.reset_point[k] and book.start_equity[k] < floor + start_flow:
                below = BelowFloor(
                    book.starts[k],
                    book.start_equity[k],
                    floor + start_flow,
                    hwm + start_flow,
                    book.start_snapshot[k],
                )
            else:
                for i in range(book.point_lo[k], book.point_hi[k]):
                    if equities[i] < floor + flows[i]:
                        below = _at_point(timeline, i, floor + flows[i], hwm + flows[i])
                        break
            if below is not None:
                breaches.append(_breach(timeline, book, rule, below, currency=currency))
        end_flow = book.end_flow[k]
        hwm = max(hwm, book.end_balance[k] - end_flow)
        day_floors.append(floor + end_flow)
    end_flow = flows[-1] if flows else 0
    # The floor shown "now" is today's floor: it moves at the next reset, not before.
    return TotalLoss(breaches, day_floors, floor + end_flow, hwm + end_flow)


def _breach(
    timeline: Timeline, book: DayBook, rule: RuleIn, below: BelowFloor, *, currency: str
) -> Breach:
    k = book.index(below.ts)
    return total_loss_breach(
        rule.params,
        rule.severity,
        timeline.b0,
        ts=below.ts,
        equity=below.equity,
        floor=below.floor,
        hwm=below.hwm,
        day=book.labels[k],
        at_reset=below.ts == book.starts[k],
        currency=currency,
        trade_ids=evidence_trades(timeline, book.starts[k], below.ts),
        snapshot_id=below.snapshot_id,
    )


def total_loss_breach(
    params: dict,
    severity: str,
    b0: int,
    *,
    ts: int,
    equity: int,
    floor: int,
    hwm: int | None,
    day: str,
    at_reset: bool,
    currency: str,
    trade_ids: tuple[int, ...] = (),
    snapshot_id: int | None = None,
) -> Breach:
    """The breach at ts: equity below the floor (flows included; `hwm` None for the static
    floor), worded for the trader. Shared by the engine and the live evaluator (`live.engine`)."""
    mode = params.get("mode", "static")
    percent = format_percent(params["percent"])
    money = format_money
    b0_text = money(b0, currency)
    lock = lock_cents(params.get("lock_at"), b0)
    if mode == "static":
        why = f"{b0_text} − {percent}"
        what = "maximum loss floor"
    else:
        what = "trailing maximum loss floor"
        if lock is not None and floor == lock:
            why = f"locked at {money(lock, currency)}"
        else:
            why = f"{HWM_WORDS[mode]} {money(hwm, currency)} − {percent} of {b0_text}"
    when = f"at the {day} reset" if at_reset else f"on {format_utc(ts)}"
    message = (
        f"Equity {money(equity, currency)} fell below the {what} "
        f"{money(floor, currency)} ({why}) {when}."
    )
    return Breach(
        code=CODE,
        severity=severity,
        ts=ts,
        threshold=floor,
        observed=equity,
        unit="cents",
        key=CODE,
        message=message,
        day=day,
        trade_ids=trade_ids,
        snapshot_id=snapshot_id,
        details={
            "mode": mode,
            "percent": params["percent"],
            "hwm": hwm,
            "lock_at": lock,
            "floor": floor,
        },
    )
