"""The live evaluator: every event of a live account checked in constant time against the
limits the risk engine computed, with exactly the engine's semantics (`risk.engine.rules`).

    start_state(limits, account_in, result) / refresh(limits, old, account_in, result)
        the state from the engine's evaluation (`live.engine.sync`)
    on_tick(limits, state, ts, equity)              a tick: a snapshot in engine terms
    on_balance(limits, state, ts, amount, is_flow)  a trade close (net) or a balance operation
    on_positions(limits, state, ts, positions)      the full set of open positions

Each returns the events it raises, in time order: `risk.engine.types.Breach` (the engine's code,
severity, numbers, key and wording; positions are keyed by position, see
`live.engine.positions`) and `NearLimit`. After the first hard breach nothing more is raised
(soft breaches, e.g. a pausing daily limit, do not stop evaluation); the state keeps following
the account for the staff view.

Engine semantics kept: equity is the tick's until the next balance change, then the balance
until the next tick; a day is [reset, next reset) from `risk.engine.days` (DST included) and an
event exactly at the reset belongs to the new day; the carried state is checked at the reset
instant when the first event of a later day arrives (`live.engine.checks.roll_day`); one daily
breach per day, the first total breach only; strict `<`. Unlike the engine, which merges the
events of one second into one point, each event here is a point of its own: a tick at the
second of an earlier tick is late, and a balance change at the second of a tick keeps the tick's
equity (the engine takes a snapshot at the second of a close to include it).

Near-limit alerts: the share of the loss room used at a point, in basis points (rounded down,
at least 0, above 10,000 once broken):

    daily  used_bp = (ref_now − equity) × 10,000 / (ref_now − floor_now)
           ref_now, floor_now = the day's reference and limit moved by today's flows
    total  used_bp = (peak − equity) × 10,000 / (peak − floor_now)
           peak = B0 (static) or HWM + flows (trailing), floor_now the current floor

A level L (80, 90 by default) fires the first time in a trading day that used_bp ≥ L × 100 for
that limit, at the point that reaches it (all levels reached at once fire together, before a
breach at that point), never again that day, and never for a limit already broken (today's
daily breach, the total breach). Days skipped without any event raise no alert.

Late events: a tick at or before `last_ts` or before the current day (which a positions set
may have opened) returns [] and changes nothing; the caller stores it as late. A balance change
before `last_ts` moves balance and flows only (no check at a past instant): production
refreshes from the engine after every close.
"""

from __future__ import annotations

from risk.engine.types import Breach

from .checks import check_point, measure, roll_day, trail
from .positions import check_positions
from .sync import merge, refresh, start_state
from .types import LiveLimits, LiveState, NearLimit

Event = Breach | NearLimit

__all__ = [
    "Event",
    "merge",
    "on_balance",
    "on_positions",
    "on_tick",
    "refresh",
    "start_state",
]


def on_tick(limits: LiveLimits, state: LiveState, ts: int, equity: int) -> list[Event]:
    """A tick (equity at ts): roll the day if needed, then check the point."""
    if ts <= state.last_ts or ts < state.day_start_ts:
        return []
    out = roll_day(limits, state, ts) if ts >= state.day_end_ts else []
    state.equity, state.equity_is_tick, state.equity_ts = equity, True, ts
    state.last_ts = ts
    trail(limits, state)
    return out + check_point(limits, state, ts)


def on_balance(
    limits: LiveLimits, state: LiveState, ts: int, amount: int, is_flow: bool
) -> list[Event]:
    """A trade close (`amount` = its net, is_flow False) or a balance operation (deposits and
    withdrawals are flows, adjustments are not): the balance moves and equity becomes the
    balance until the next tick (a tick at this very second already includes it)."""
    if ts < state.last_ts or ts < state.day_start_ts:
        _late_balance(state, ts, amount, is_flow)
        measure(limits, state)
        return []
    out = roll_day(limits, state, ts) if ts >= state.day_end_ts else []
    state.balance += amount
    if is_flow:
        state.flow += amount
    if not (state.equity_is_tick and state.equity_ts == ts):
        state.equity, state.equity_is_tick, state.equity_ts = state.balance, False, ts
    state.last_ts = ts
    trail(limits, state)
    return out + check_point(limits, state, ts)


def _late_balance(state: LiveState, ts: int, amount: int, is_flow: bool) -> None:
    state.balance += amount
    if is_flow:
        state.flow += amount
        if ts < state.day_start_ts:
            state.day_start_flow += amount  # carried over today's reset: not today's flow
    if not (state.equity_is_tick and state.equity_ts >= ts):
        state.equity = state.balance


def on_positions(
    limits: LiveLimits, state: LiveState, ts: int, positions: list[tuple[str, int]]
) -> list[Event]:
    """The full set of open positions (id, volume units) at ts, replacing the previous one:
    max_position_size and the daily pause for the new ones, max_open_volume for the sum.

    A positions set in a later day rolls the day first (the carried state is checked at the
    reset, which may start a pause); it does not move `last_ts`."""
    out = roll_day(limits, state, ts, point=False) if ts >= state.day_end_ts else []
    return out + check_positions(limits, state, ts, positions)
