"""The live state from the risk engine's evaluation: at start-up, and at every refresh.

The engine (`risk.engine.evaluate`) is the authority on balances, flows, days and breaches; the
live path knows what the engine may not have seen yet: ticks after its last point, every tick
(the engine may keep fewer), the alerts already sent and the open positions.
"""

from __future__ import annotations

from risk.engine.params import Percent
from risk.engine.rules.daily_pause import PAUSE
from risk.engine.timeline import FLOW_KINDS
from risk.engine.types import AccountIn, AccountResult

from .checks import measure
from .types import LIMIT_NAMES, LiveLimits, LiveState


def start_state(limits: LiveLimits, account_in: AccountIn, result: AccountResult) -> LiveState:
    """The state as of the end of `result = evaluate(account_in)`: the engine's current day
    (the day of its `as_of`), balance, flows, equity, floors, and the breaches it already
    found (never reported again). Open positions are unknown (empty)."""
    today = result.days[-1]
    flows = [op for op in account_in.balance_ops if op.kind in FLOW_KINDS]
    flow = sum(op.amount for op in flows)
    last_close = max((t.close_ts for t in account_in.trades), default=None)
    last_op = max((op.ts for op in account_in.balance_ops), default=None)
    last_snapshot = max((s.ts for s in account_in.snapshots), default=None)
    changes = [ts for ts in (last_close, last_op) if ts is not None]
    last_change = max(changes, default=None)
    last_ts = max([*changes, last_snapshot or 0])
    equity_is_tick = last_snapshot is not None and (
        last_change is None or last_snapshot >= last_change
    )
    state = LiveState(
        day_start_ts=today.start_ts,
        day_end_ts=today.end_ts,
        day=today.day,
        day_reference=today.reference,
        day_limit=today.daily_floor if limits.daily is not None else None,
        day_start_flow=sum(op.amount for op in flows if op.ts < today.start_ts),
        balance=result.balance,
        flow=flow,
        equity=result.equity,
        equity_is_tick=equity_is_tick,
        equity_ts=last_ts,
        last_ts=last_ts,
        total_hwm=limits.b0,
        total_floor=None,
        alerts_day=today.day,
    )
    _total_from_engine(limits, state, result, flows)
    _bookkeeping_from_engine(state, result)
    measure(limits, state)
    return state


def _total_from_engine(limits, state, result, flows) -> None:
    total = limits.total
    if total is None or result.total_floor is None:
        return
    if total.mode == "static":
        state.total_floor = limits.b0 - Percent.parse(total.percent).of(limits.b0)
        return
    state.total_floor = result.total_floor - state.flow
    if total.mode != "trailing_eod":
        state.total_hwm = result.hwm - state.flow
        return
    # trailing_eod trails the end-of-day balances of the days before today (without flows)
    flows = sorted(flows, key=lambda op: op.ts)
    i = end_flow = 0
    hwm = limits.b0
    for day in result.days[:-1]:
        while i < len(flows) and flows[i].ts < day.end_ts:
            end_flow += flows[i].amount
            i += 1
        hwm = max(hwm, day.end_balance - end_flow)
    state.total_hwm = hwm


def _bookkeeping_from_engine(state: LiveState, result: AccountResult) -> None:
    pause = None
    for breach in result.breaches:
        if breach.code == "max_daily_loss" and breach.key == f"max_daily_loss:{breach.day}":
            if breach.day >= state.day and breach.day not in state.breach_days:
                state.breach_days.append(breach.day)
            if breach.details.get("action") == PAUSE and (pause is None or breach.ts > pause.ts):
                pause = breach
        elif breach.code == "max_total_loss":
            state.total_breached = True
    if pause is not None:
        state.pause_from_ts, state.pause_day = pause.ts, pause.day
        state.pause_until_ts = pause.details["paused_until_ts"]
    if result.first_hard_breach is not None:
        state.failed_ts = result.first_hard_breach.ts


def refresh(
    limits: LiveLimits, old: LiveState | None, account_in: AccountIn, result: AccountResult
) -> LiveState:
    """`start_state` from a fresh evaluation, keeping what only the live path knows:

    - trailing_intraday: HWM and floor = max(engine, live) (the engine may not hold every tick);
    - the breaches and alerts already reported (never twice), the first hard breach (earliest);
    - the open positions and whether their volume is above the limit;
    - a later last point: `last_ts`, and the equity of a tick later than the engine's last point.

    Assumes the same total-loss rule as `old` was computed with (after a rule-set change, pass
    old=None and let the engine's breaches carry the bookkeeping).
    """
    new = start_state(limits, account_in, result)
    return new if old is None else merge(limits, old, new)


def merge(limits: LiveLimits, old: LiveState, new: LiveState) -> LiveState:
    """`new` (a `start_state` from a fresh evaluation) with what only `old`, the live path's
    state, knows (see `refresh`); the monitors receive `new` ready-made from the evaluation."""
    total = limits.total
    if total is not None and total.mode == "trailing_intraday" and old.total_floor is not None:
        new.total_hwm = max(new.total_hwm, old.total_hwm)
        new.total_floor = max(new.total_floor, old.total_floor)
    new.breach_days = sorted({*new.breach_days, *(d for d in old.breach_days if d >= new.day)})
    new.total_breached = new.total_breached or old.total_breached
    failed = [ts for ts in (new.failed_ts, old.failed_ts) if ts is not None]
    new.failed_ts = min(failed, default=None)
    if old.pause_from_ts is not None and (
        new.pause_from_ts is None or old.pause_from_ts > new.pause_from_ts
    ):
        new.pause_from_ts, new.pause_until_ts = old.pause_from_ts, old.pause_until_ts
        new.pause_day = old.pause_day
    if old.alerts_day > new.alerts_day:
        new.alerts_day, new.alerts = old.alerts_day, {k: list(v) for k, v in old.alerts.items()}
    elif old.alerts_day == new.alerts_day:
        for name in LIMIT_NAMES:
            levels = sorted({*new.alerts.get(name, ()), *old.alerts.get(name, ())})
            if levels:
                new.alerts[name] = levels
    new.positions = dict(old.positions)
    new.open_above = old.open_above
    if old.last_ts > new.last_ts:
        if old.equity_is_tick and old.equity_ts > new.last_ts:
            new.equity, new.equity_is_tick, new.equity_ts = old.equity, True, old.equity_ts
        new.last_ts = old.last_ts
    measure(limits, new)
    return new
