"""min_profitable_days (objective or payout gate): at least `days` trading days each with a
closed net ≥ `percent` × B0.

A day's net is the sum of the nets of trades closed in it (as for consistency). With
`applies_to="payout"`, only trades closed from `AccountIn.payout_cycle_start_ts` count, and the
progress is left out of `objectives_met` (payout eligibility reads it).
"""

from __future__ import annotations

from ..daybook import DayBook
from ..params import Percent
from ..timeline import Timeline
from ..types import AccountIn, ObjectiveProgress, RuleIn
from ..wording import format_money
from .objectives import day_nets_since


def min_profitable_days(
    timeline: Timeline, book: DayBook, rule: RuleIn, account: AccountIn
) -> ObjectiveProgress:
    """Days with net ≥ percent × B0, against the minimum N; current/target in days."""
    needed = int(rule.params["days"])
    applies_to = rule.params.get("applies_to", "objective")
    each = Percent.parse(rule.params["percent"]).of(timeline.b0)
    since = account.payout_cycle_start_ts if applies_to == "payout" else 0
    nets = day_nets_since(book.starts, timeline.closes, timeline.nets, since)
    days = sum(1 for net in nets if net >= each)
    return ObjectiveProgress(
        code="min_profitable_days",
        met=days >= needed,
        current=days,
        target=needed,
        unit="days",
        detail=(
            f"{days} of {needed} days with a net of at least "
            f"{format_money(each, account.currency)}."
        ),
        applies_to=applies_to,
        details={"min_day_net": each},
    )
