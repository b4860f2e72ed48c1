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


def max_total_loss(tl: Timeline, book: DayBook, rule: RuleIn, currency: str) -> TotalLoss:
    """Evaluate the max-total-loss rule in its mode; see the module docstring."""
    params = rule.params
    b0 = tl.b0
    pct = Percent.parse(params["percent"])
    allowance = pct.of(b0)
    mode = params.get("mode", "static")
    lock = lock_cents(params.get("lock_at"), b0)
    if mode == "static":
        return _static(tl, book, rule, b0 - allowance, currency)
    if mode == "trailing_eod":
        return _trailing_eod(tl, book, rule, allowance, lock, currency)
    return _trailing_points(tl, book, rule, allowance, lock, currency)


def _static(tl, book, rule, floor, currency) -> TotalLoss:
    eq = tl.eq
    breaches = []
    if eq and min(eq) < floor:
        i = next(i for i, v in enumerate(eq) if v < floor)
        breaches.append(_breach(tl, book, rule, i, floor, None, currency))
    eq_adj = tl.eq_adj()
    hwm = max(tl.b0, max(eq_adj)) + tl.flow[-1] if eq else tl.b0
    return TotalLoss(breaches, [floor] * len(book), floor, hwm)


def _trailing_points(tl, book, rule, allowance, lock, currency) -> TotalLoss:
    """trailing_intraday (HWM on equity) and trailing_closed (HWM on balance), per point."""
    b0 = tl.b0
    source = tl.eq_adj() if rule.params.get("mode") == "trailing_intraday" else tl.bal_adj()
    first_floor = b0 - allowance if lock is None else min(b0 - allowance, lock)
    hwms = list(accumulate(source, max, initial=b0))[1:]
    if lock is None:
        candidates = [h - allowance for h in hwms]
    elif tl.has_flows:
        candidates = [min(h - allowance, lock - f) for h, f in zip(hwms, tl.flow, strict=True)]
    else:
        candidates = [min(h - allowance, lock) for h in hwms]
    floors = list(accumulate(candidates, max, initial=first_floor))[1:]  # adjusted floors
    eq_adj = tl.eq_adj()
    breaches = []
    if any(map(lt, eq_adj, floors)):
        i = next(i for i, (v, f) in enumerate(zip(eq_adj, floors, strict=True)) if v < f)
        breaches.append(
            _breach(tl, book, rule, i, floors[i] + tl.flow[i], hwms[i] + tl.flow[i], currency)
        )
    day_floors = []
    current = first_floor
    for k in range(len(book)):
        hi = book.point_hi[k]
        if hi > book.point_lo[k]:
            current = floors[hi - 1]
        day_floors.append(current + book.end_flow[k])
    end_flow = tl.flow[-1] if tl.flow else 0
    floor = (floors[-1] if floors else first_floor) + end_flow
    hwm = (hwms[-1] if hwms else b0) + end_flow
    return TotalLoss(breaches, day_floors, floor, hwm)


def _trailing_eod(tl, book, rule, allowance, lock, currency) -> TotalLoss:
    """trailing_eod: the floor of day d trails the highest end-of-day balance of days < d."""
    b0 = tl.b0
    hwm = b0
    floor = b0 - allowance if lock is None else min(b0 - allowance, lock)
    breaches: list[Breach] = []
    day_floors = []
    eq, flow, pts = tl.eq, tl.flow, tl.ts
    for k in range(len(book)):
        if k:
            candidate = hwm - allowance
            if lock is not None:
                candidate = min(candidate, lock - book.start_flow[k])
            floor = max(floor, candidate)
        if not breaches and (tl.has_flows or book.min_eq[k] < floor + book.start_flow[k]):
            start_flow = book.start_flow[k]
            real_hwm = hwm + start_flow
            if not book.reset_point[k] and book.start_eq[k] < floor + start_flow:
                breaches.append(
                    _breach_at(
                        tl,
                        book,
                        rule,
                        book.starts[k],
                        book.start_eq[k],
                        floor + start_flow,
                        real_hwm,
                        book.start_snap[k],
                        currency,
                    )
                )
            else:
                for i in range(book.point_lo[k], book.point_hi[k]):
                    if eq[i] < floor + flow[i]:
                        snap = tl.snap[i] if tl.snap is not None else None
                        breaches.append(
                            _breach_at(
                                tl,
                                book,
                                rule,
                                pts[i],
                                eq[i],
                                floor + flow[i],
                                hwm + flow[i],
                                snap,
                                currency,
                            )
                        )
                        break
        end_flow = book.end_flow[k]
        hwm = max(hwm, book.end_bal[k] - end_flow)
        day_floors.append(floor + end_flow)
    end_flow = tl.flow[-1] if tl.flow else 0
    # The floor shown "now" is today's floor: it moves at the next reset, not before.
    return TotalLoss(breaches, day_floors, floor + end_flow, hwm + end_flow)


def _breach(tl, book, rule, i, floor, hwm, currency) -> Breach:
    snap = tl.snap[i] if tl.snap is not None else None
    return _breach_at(tl, book, rule, tl.ts[i], tl.eq[i], floor, hwm, snap, currency)


def _breach_at(tl, book, rule, ts, observed, floor, hwm, snap_id, currency) -> Breach:
    params = rule.params
    mode = params.get("mode", "static")
    pct = format_percent(params["percent"])
    money = format_money
    k = book.index(ts)
    day = book.labels[k]
    if mode == "static":
        why = f"{money(tl.b0, currency)} − {pct}"
        what = "maximum loss floor"
    else:
        what = "trailing maximum loss floor"
        lock = lock_cents(params.get("lock_at"), tl.b0)
        if lock is not None and floor == lock:
            why = f"locked at {money(lock, currency)}"
        else:
            why = f"{HWM_WORDS[mode]} {money(hwm, currency)} − {pct} of {money(tl.b0, currency)}"
    when = f"at the {day} reset" if ts == book.starts[k] else f"on {format_utc(ts)}"
    message = (
        f"Equity {money(observed, currency)} fell below the {what} "
        f"{money(floor, currency)} ({why}) {when}."
    )
    return Breach(
        code=CODE,
        severity=rule.severity,
        ts=ts,
        threshold=floor,
        observed=observed,
        unit="cents",
        key=CODE,
        message=message,
        day=day,
        trade_ids=evidence_trades(tl, book.starts[k], ts),
        snapshot_id=snap_id,
        details={
            "mode": mode,
            "percent": params["percent"],
            "hwm": hwm,
            "lock_at": lock_cents(params.get("lock_at"), tl.b0),
            "floor": floor,
        },
    )
