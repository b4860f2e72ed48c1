"""The daily pause: `max_daily_loss` with `on_breach: pause_until_reset` (Topstep style).

Breaking the daily loss limit then does not fail the account: the day's breach is recorded as
soft, with `details.action = "pause_until_reset"` and `details.paused_until_ts` = the next reset,
and the account may trade again from that reset. Positions *opened* during the pause (strictly
after the breach instant and before the reset) are themselves breaches with the rule's severity
(hard by default: a trade taken while paused fails the account), one per trade, keyed
"max_daily_loss:paused:trade:<id>". Positions already open at the breach are not; the trader
is expected to close them.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace

from ..daybook import DayBook
from ..timeline import Timeline
from ..types import Breach, RuleIn
from ..wording import format_local

PAUSE = "pause_until_reset"


def pauses(rule: RuleIn) -> bool:
    return rule.params.get("on_breach") == PAUSE


def apply_pause(
    breaches: list[Breach], timeline: Timeline, book: DayBook, rule: RuleIn, reset_tz: str
) -> list[Breach]:
    """The day breaches turned into soft pauses, plus a breach per trade opened while paused."""
    out: list[Breach] = []
    by_open = sorted(timeline.trades, key=lambda t: (t.open_ts, t.id))
    opens = [t.open_ts for t in by_open]
    for breach in breaches:
        paused = pause_breach(breach, reset_tz)
        out.append(paused)
        until = paused.details["paused_until_ts"]
        lo, hi = bisect_left(opens, breach.ts + 1), bisect_left(opens, until)
        for t in by_open[lo:hi]:
            out.append(
                opened_while_paused(
                    rule.severity,
                    reset_tz,
                    day=paused.day,
                    until=until,
                    open_ts=t.open_ts,
                    key=f"{breach.code}:paused:trade:{t.id}",
                    what=f"Trade #{t.ticket} ({t.symbol})",
                    trade_ids=(t.id,),
                    details={"ticket": t.ticket},
                )
            )
    return out


def pause_breach(breach: Breach, reset_tz: str) -> Breach:
    """A day's daily-loss breach as a soft pause until the day's end (the next reset)."""
    until = breach.details["day_end_ts"]
    return replace(
        breach,
        severity="soft",
        message=f"{breach.message} Trading is paused until the reset at "
        f"{format_local(until, reset_tz)}.",
        details={**breach.details, "action": PAUSE, "paused_until_ts": until},
    )


def opened_while_paused(
    severity: str,
    reset_tz: str,
    *,
    day: str | None,
    until: int,
    open_ts: int,
    key: str,
    what: str,
    trade_ids: tuple[int, ...] = (),
    details: dict | None = None,
) -> Breach:
    """A position opened while the account was paused until `until` (the reset ending the
    paused day `day`). `what` names the position for the trader ("Trade #T12 (EURUSD)")."""
    until_text = format_local(until, reset_tz)
    return Breach(
        code="max_daily_loss",
        severity=severity,
        ts=open_ts,
        threshold=0,
        observed=until - open_ts,  # seconds of pause left at the open
        unit="seconds",
        key=key,
        message=(
            f"{what} was opened while the account was "
            f"paused for the daily loss limit (until {until_text})."
        ),
        day=day,
        trade_ids=trade_ids,
        details={**(details or {}), "paused_until_ts": until},
    )
