"""The loss-limit checks of one point, and the day roll, mirroring `risk.engine.rules`.

A *point* is the account's state right after an event (a tick or a balance change), or the
state carried over a reset. At a point:

    daily  floor = limit_d + (flow − start_flow_d)          breach when equity < floor
    total  static:    floor = B0 − percent × B0           breach when equity < floor
           trailing:  floor = floor_t + flow               breach when equity − flow < floor_t
                      floor_t = max(floor_t, min(HWM − percent × B0, lock − flow)), HWM without
                      flows: equity − flow (intraday) or balance − flow (closed) at every point,
                      the end-of-day balance − flow at each reset (eod)

The carried state is checked at a reset instant (daily, and total in trailing_eod mode, as the
engine does) unless a point sits exactly on the reset: that point is the day's first check.
"""

from __future__ import annotations

from risk.engine.days import TradingDay, day_calendar
from risk.engine.params import Percent
from risk.engine.rules.daily_loss import daily_limit, daily_loss_breach
from risk.engine.rules.daily_pause import pause_breach
from risk.engine.rules.total_loss import total_loss_breach
from risk.engine.types import Breach

from .types import DAILY, TOTAL, LiveLimits, LiveState, NearLimit

FULL_BP = 10_000


def used_bp(loss: int, room: int) -> int:
    """Share of the loss room used, in basis points, rounded down and at least 0 (above 10,000
    once the limit is broken). No room at all (a 0 % limit) counts as fully used by any loss."""
    if room <= 0:
        return FULL_BP if loss > 0 else 0
    return max(0, loss * FULL_BP // room)


def total_allowance(limits: LiveLimits) -> int:
    return Percent.parse(limits.total.percent).of(limits.b0)


def daily_floor_now(state: LiveState) -> int | None:
    """Today's daily-loss floor at the current point: limit_d moved by today's flows."""
    if state.day_limit is None:
        return None
    return state.day_limit + state.flow - state.day_start_flow


def total_floor_now(limits: LiveLimits, state: LiveState) -> tuple[int, int] | None:
    """(floor, peak) of the total-loss rule at the current point, flows included: the static
    floor and B0, or the trailing floor and its high-water mark."""
    total = limits.total
    if total is None or state.total_floor is None:
        return None
    if total.mode == "static":
        return state.total_floor, limits.b0
    return state.total_floor + state.flow, state.total_hwm + state.flow


def trail(limits: LiveLimits, state: LiveState) -> None:
    """Move the intraday / closed-balance high-water mark and floor to the current point."""
    total = limits.total
    if total is None or total.mode not in ("trailing_intraday", "trailing_closed"):
        return
    value = state.equity if total.mode == "trailing_intraday" else state.balance
    state.total_hwm = max(state.total_hwm, value - state.flow)
    candidate = state.total_hwm - total_allowance(limits)
    if total.lock is not None:
        candidate = min(candidate, total.lock - state.flow)
    state.total_floor = max(state.total_floor, candidate)


def measure(limits: LiveLimits, state: LiveState) -> None:
    """The staff view of the current point: floors and loss room used."""
    equity = state.equity
    daily = daily_floor_now(state)
    state.last_daily_floor = daily
    state.used_daily_bp = None
    if daily is not None:
        reference = state.day_reference + state.flow - state.day_start_flow
        state.used_daily_bp = used_bp(reference - equity, reference - daily)
    total = total_floor_now(limits, state)
    state.last_total_floor = total[0] if total else None
    state.used_total_bp = used_bp(total[1] - equity, total[1] - total[0]) if total else None


def check_point(
    limits: LiveLimits, state: LiveState, ts: int, *, at_reset: bool = False, alerts: bool = True
) -> list[Breach | NearLimit]:
    """Alerts then breaches of the current point at ts (no alert for a limit the point breaks,
    none at a point that fails the account). `at_reset`: the carried state at the
    day's reset (the total floor is checked there only in trailing_eod mode, like the engine).
    Updates the staff view; emits nothing once the account failed."""
    measure(limits, state)
    if state.failed:
        return []
    out: list[Breach | NearLimit] = []
    equity = state.equity
    daily_open = state.day_limit is not None and state.day not in state.breach_days
    total_open = limits.total is not None and not state.total_breached
    check_total = not at_reset or limits.total is None or limits.total.mode == "trailing_eod"
    daily_breaks = daily_open and equity < state.last_daily_floor
    total_breaks = total_open and check_total and equity < state.last_total_floor
    breaches: list[Breach] = []
    if daily_breaks:
        breaches.append(_daily_breach(limits, state, ts))
    if total_breaks:
        breaches.append(_total_breach(limits, state, ts))
    hard = any(b.severity == "hard" for b in breaches)
    # A warning is for a limit still to be broken: none for a limit this very point breaks,
    # and none at all at the point that fails the account (its breach notice says it all).
    if alerts and not hard:
        if daily_open and not daily_breaks:
            out += _alerts(limits, state, DAILY, ts, state.last_daily_floor, state.used_daily_bp)
        if total_open and not total_breaks:
            out += _alerts(limits, state, TOTAL, ts, state.last_total_floor, state.used_total_bp)
    out += breaches
    if hard:
        state.failed_ts = ts
    return out


def _alerts(limits, state, limit, ts, floor, used) -> list[NearLimit]:
    crossed = state.alerts.get(limit, [])
    out = []
    for level in limits.alert_levels:
        if used >= level * 100 and level not in crossed:
            crossed = state.alerts[limit] = [*crossed, level]
            out.append(NearLimit(limit, level, ts, state.equity, floor, used, state.day))
    return out


def _daily_breach(limits: LiveLimits, state: LiveState, ts: int) -> Breach:
    daily = limits.daily
    base = limits.b0 if daily.amount_base == "initial" else state.day_reference
    breach = daily_loss_breach(
        daily.params(),
        daily.severity,
        day=state.day,
        day_start_ts=state.day_start_ts,
        day_end_ts=state.day_end_ts,
        ts=ts,
        equity=state.equity,
        limit=state.last_daily_floor,
        reference=state.day_reference,
        base=base,
        currency=limits.currency,
    )
    state.breach_days.append(state.day)
    if daily.pauses:
        breach = pause_breach(breach, limits.reset_tz)
        state.pause_from_ts, state.pause_until_ts = ts, state.day_end_ts
        state.pause_day = state.day
    return breach


def _total_breach(limits: LiveLimits, state: LiveState, ts: int) -> Breach:
    total = limits.total
    state.total_breached = True
    floor, peak = total_floor_now(limits, state)
    return total_loss_breach(
        total.params(),
        total.severity,
        limits.b0,
        ts=ts,
        equity=state.equity,
        floor=floor,
        hwm=None if total.mode == "static" else peak,
        day=state.day,
        at_reset=ts == state.day_start_ts,
        currency=limits.currency,
    )


def roll_day(
    limits: LiveLimits, state: LiveState, ts: int, *, point: bool = True
) -> list[Breach | NearLimit]:
    """Move the state from its day to the day containing ts (ts ≥ state.day_end_ts), checking
    the carried state at each reset that no point sits on. `point`: the event at ts is an
    equity point (a tick or a balance change); a positions set is not, so the carried state is
    checked at the reset even when the positions sit exactly on it (the engine's points are
    closes, operations and snapshots, never openings).

    Every new day starts from the same carried state, so all of them share one reference and
    one limit: they are computed once, and the days in between are visited one by one only
    while the carried state breaks the daily limit (one breach per day). Otherwise the roll
    jumps to the day of ts: O(1) whatever the gap. Near-limit alerts are checked at the reset
    of ts's day only.
    """
    calendar = day_calendar(limits.reset_tz, limits.reset_hour)
    total = limits.total
    if total is not None and total.mode == "trailing_eod":
        state.total_hwm = max(state.total_hwm, state.balance - state.flow)
    first = calendar.day_of(state.day_end_ts)
    target = first if ts < first.end_ts else calendar.day_of(ts)
    _open_day(limits, state, first)
    out: list[Breach | NearLimit] = []
    day = first
    while True:
        is_target = day.start_ts == target.start_ts
        if is_target and point and ts == day.start_ts:
            break  # a point sits on the reset: the caller checks it as the day's first point
        out += check_point(limits, state, day.start_ts, at_reset=True, alerts=is_target)
        if is_target or state.failed:
            break
        if state.day_limit is None or state.equity >= state.day_limit:
            day = target  # no skipped day can break: the same state against the same limit
        else:
            day = calendar.day_of(day.end_ts)
        _enter(state, day)
    _enter(state, target)
    return out


def _open_day(limits: LiveLimits, state: LiveState, day: TradingDay) -> None:
    """Reference, daily limit and eod floor of a day after a reset (never day 0)."""
    daily = limits.daily
    balance, equity = state.balance, state.equity
    if daily is None:
        state.day_reference, state.day_limit = balance, None
    else:
        if daily.reference == "balance":
            reference = balance
        elif daily.reference == "equity":
            reference = equity
        else:
            reference = max(balance, equity)
        percent = Percent.parse(daily.percent)
        state.day_reference = reference
        state.day_limit = daily_limit(percent, daily.amount_base == "initial", limits.b0, reference)
    state.day_start_flow = state.flow
    total = limits.total
    if total is not None and total.mode == "trailing_eod":
        candidate = state.total_hwm - total_allowance(limits)
        if total.lock is not None:
            candidate = min(candidate, total.lock - state.flow)
        state.total_floor = max(state.total_floor, candidate)
    _enter(state, day)


def _enter(state: LiveState, day: TradingDay) -> None:
    state.day_start_ts, state.day_end_ts, state.day = day.start_ts, day.end_ts, day.day
    state.breach_days = [d for d in state.breach_days if d >= day.day]
    if state.alerts_day != day.day:
        state.alerts_day, state.alerts = day.day, {}
