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
        until = breach.details["day_end_ts"]
        until_text = format_local(until, reset_tz)
        out.append(
            replace(
                breach,
                severity="soft",
                message=f"{breach.message} Trading is paused until the reset at {until_text}.",
                details={**breach.details, "action": PAUSE, "paused_until_ts": until},
            )
        )
        lo, hi = bisect_left(opens, breach.ts + 1), bisect_left(opens, until)
        for t in by_open[lo:hi]:
            out.append(
                Breach(
                    code=breach.code,
                    severity=rule.severity,
                    ts=t.open_ts,
                    threshold=0,
                    observed=until - t.open_ts,  # seconds of pause left at the open
                    unit="seconds",
                    key=f"{breach.code}:paused:trade:{t.id}",
                    message=(
                        f"Trade #{t.ticket} ({t.symbol}) was opened while the account was "
                        f"paused for the daily loss limit (until {until_text})."
                    ),
                    day=breach.day,
                    trade_ids=(t.id,),
                    details={"ticket": t.ticket, "paused_until_ts": until},
                )
            )
    return out
