"""Rules about time passing.

    inactivity  no position opened for more than N days: the gaps between the start, each
                position opened and the as-of instant; the first gap longer than N × 86,400 s
                is a breach at (last activity + N days). One per account: "inactivity".
    time_limit  the profit target not reached within N days of the start: once the as-of
                instant is past start + N days and the target was not reached by then, a breach
                at start + N days. Needs a profit_target rule in the same set. "time_limit".

Both breach only once the instant has passed (a gap of exactly N days is not a breach).
"""

from __future__ import annotations

from ..daybook import DayBook
from ..timeline import Timeline
from ..types import Breach, RuleIn
from ..wording import format_utc

DAY = 86_400


def inactivity(timeline: Timeline, book: DayBook, rule: RuleIn) -> list[Breach]:
    """The first gap without a position opened longer than N days."""
    days = int(rule.params["days"])
    limit = days * DAY
    last = timeline.start_ts
    for opened in [*timeline.opens, timeline.end_ts]:
        if opened - last > limit:
            ts = last + limit
            return [
                Breach(
                    code="inactivity",
                    severity=rule.severity,
                    ts=ts,
                    threshold=limit,
                    observed=opened - last,
                    unit="seconds",
                    key="inactivity",
                    message=(
                        f"No position was opened for more than {days} days after "
                        f"{format_utc(last)}."
                    ),
                    day=book.label(ts),
                    details={"last_activity_ts": last, "days": days},
                )
            ]
        if opened > last:
            last = opened
    return []


def time_limit(
    timeline: Timeline, book: DayBook, rule: RuleIn, reached_ts: int | None
) -> list[Breach]:
    """A breach at start + N days when the target was not reached by then."""
    days = int(rule.params["days"])
    limit = days * DAY
    deadline = timeline.start_ts + limit
    if timeline.end_ts <= deadline or (reached_ts is not None and reached_ts <= deadline):
        return []
    observed = (reached_ts if reached_ts is not None else timeline.end_ts) - timeline.start_ts
    return [
        Breach(
            code="time_limit",
            severity=rule.severity,
            ts=deadline,
            threshold=limit,
            observed=observed,
            unit="seconds",
            key="time_limit",
            message=(
                f"The profit target was not reached within {days} days of the start "
                f"(deadline {format_utc(deadline)})."
            ),
            day=book.label(deadline),
            details={"deadline_ts": deadline, "reached_ts": reached_ts, "days": days},
        )
    ]
