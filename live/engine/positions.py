"""Open-position checks of the live path, mirroring `risk.engine.rules.exposure` and the daily
pause (`risk.engine.rules.daily_pause`).

The bridge sends the full set of open positions; a position id not in the previous set has just
been opened. At one instant the positions that closed leave first, then the new ones open in id
order (numeric ids by value) — the engine's order for trades opened at one second — so:

    max_position_size  a new position with volume > limit: one breach, key
                       "max_position_size:position:<id>" (a position already open that grows
                       is not checked again: the engine judges each trade by its volume)
    max_open_volume    the sum of open volumes rising above the limit: one breach per crossing,
                       keyed by the new position whose opening crossed it,
                       "max_open_volume:position:<id>" (if positions already open grew past it,
                       the highest such id)
    daily pause        a new position strictly after a pausing daily breach and before the
                       reset: "max_daily_loss:paused:position:<id>", the rule's severity

Keys name positions, not trades (the engine's keys name trades): the live path never sees a
trade id. Equal to a limit is never a breach. Position breaches share the daily/total order at
one instant: daily pause, open volume, position size (the engine's key order).
"""

from __future__ import annotations

from risk.engine.days import day_calendar
from risk.engine.rules.daily_pause import opened_while_paused
from risk.engine.rules.exposure import open_volume_message, oversize_message
from risk.engine.types import Breach

from .types import LiveLimits, LiveState


def id_order(position_id: str) -> tuple:
    """Numeric ids by value, then the others as text."""
    return (0, int(position_id), "") if position_id.isdigit() else (1, 0, position_id)


def check_positions(
    limits: LiveLimits, state: LiveState, ts: int, positions: list[tuple[str, int]]
) -> list[Breach]:
    """Replace the open positions with `positions` and return the breaches of those just opened
    (nothing once the account failed)."""
    new = {str(pid): int(volume) for pid, volume in positions}
    old = state.positions
    state.positions = new
    opened = sorted((pid for pid in new if pid not in old), key=id_order)
    kept = sum(volume for pid, volume in new.items() if pid in old)
    open_limit = limits.max_open_volume
    if state.failed:
        state.open_above = open_limit is not None and sum(new.values()) > open_limit.volume
        return []
    day = None
    if opened or open_limit is not None:
        day = day_calendar(limits.reset_tz, limits.reset_hour).day_of(ts).day
    out = _paused(limits, state, ts, opened)
    if open_limit is not None:
        out += _open_volume(limits, state, ts, day, new, old, opened, kept)
    size = limits.max_position_size
    if size is not None:
        for pid in opened:
            if new[pid] > size.volume:
                out.append(
                    Breach(
                        code="max_position_size",
                        severity=size.severity,
                        ts=ts,
                        threshold=size.volume,
                        observed=new[pid],
                        unit="volume",
                        key=f"max_position_size:position:{pid}",
                        message=oversize_message(f"Position #{pid}", new[pid], size.volume),
                        day=day,
                        details={"position_id": pid},
                    )
                )
    if any(b.severity == "hard" for b in out):
        state.failed_ts = ts
    return out


def _paused(limits, state, ts, opened) -> list[Breach]:
    daily = limits.daily
    if daily is None or not daily.pauses or state.pause_until_ts is None:
        return []
    if not state.pause_from_ts < ts < state.pause_until_ts:
        return []
    return [
        opened_while_paused(
            daily.severity,
            limits.reset_tz,
            day=state.pause_day,
            until=state.pause_until_ts,
            open_ts=ts,
            key=f"max_daily_loss:paused:position:{pid}",
            what=f"Position #{pid}",
            details={"position_id": pid},
        )
        for pid in opened
    ]


def _open_volume(limits, state, ts, day, new, old, opened, kept) -> list[Breach]:
    limit = limits.max_open_volume
    out = []
    above = state.open_above
    total = kept
    if total > limit.volume and not above:
        grown = [pid for pid in new if pid in old and new[pid] > old[pid]]
        grown = grown or [pid for pid in new if pid in old]
        out.append(_open_breach(limit, ts, day, total, max(grown, key=id_order)))
    above = total > limit.volume
    for pid in opened:
        total += new[pid]
        if total > limit.volume and not above:
            out.append(_open_breach(limit, ts, day, total, pid))
        above = total > limit.volume
    state.open_above = above
    return out


def _open_breach(limit, ts, day, total, pid) -> Breach:
    return Breach(
        code="max_open_volume",
        severity=limit.severity,
        ts=ts,
        threshold=limit.volume,
        observed=total,
        unit="volume",
        key=f"max_open_volume:position:{pid}",
        message=open_volume_message(total, ts, f"position #{pid}", limit.volume),
        day=day,
        details={"position_id": pid},
    )
