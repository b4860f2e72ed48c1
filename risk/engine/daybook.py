"""Per-day aggregates of one account: the state at each reset, the day's lowest equity, closed
net P&L, positions opened and volume, as parallel lists indexed by day k (day 0 holds the start).

Day k is [starts[k], starts[k+1]). Its start state is the state carried over the reset (every
event strictly before starts[k]); an event exactly at the reset belongs to day k.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .days import day_calendar
from .timeline import Timeline


@dataclass(slots=True)
class DayBook:
    starts: list[int]  # len = days + 1
    labels: list[str]
    start_balance: list[int]
    start_equity: list[int]
    start_flow: list[int]
    start_snapshot: list[int | None]  # snapshot behind start_equity, if any
    end_balance: list[int]
    end_equity: list[int]
    end_flow: list[int]
    min_equity: list[int]  # lowest equity in the day, the carried start equity included
    point_lo: list[int]  # points of day k are timeline.times[point_lo[k]:point_hi[k]]
    point_hi: list[int]
    reset_point: list[bool]  # a point sits exactly at the reset
    net: list[int]
    closed: list[int]
    opened: list[int]
    volume: list[int]

    def __len__(self) -> int:
        return len(self.labels)

    def index(self, ts: int) -> int:
        """The day containing ts (clamped to the book's range)."""
        k = bisect_right(self.starts, ts) - 1
        return min(max(k, 0), len(self.labels) - 1)

    def label(self, ts: int) -> str:
        return self.labels[self.index(ts)]


def build_day_book(timeline: Timeline, reset_tz: str, reset_hour: int) -> DayBook:
    """Aggregate the timeline into trading days, from the day of the first event or the start
    (whichever is earlier) to the day of `timeline.end_ts`."""
    first = timeline.start_ts
    if timeline.times and timeline.times[0] < first:
        first = timeline.times[0]
    if timeline.opens and timeline.opens[0] < first:
        first = timeline.opens[0]
    starts, labels = day_calendar(reset_tz, reset_hour).span(first, timeline.end_ts)
    days = len(labels)

    times, balances, equities = timeline.times, timeline.balances, timeline.equities
    flows, snapshot_ids = timeline.flows, timeline.snapshot_ids
    closes, nets = timeline.closes, timeline.nets
    opens, volumes = timeline.opens, timeline.open_volumes
    n_points = len(times)
    n_closes = len(closes)
    n_opens = len(opens)
    start_balance = [0] * days
    start_equity = [0] * days
    start_flow = [0] * days
    start_snapshot: list[int | None] = [None] * days
    end_balance = [0] * days
    end_equity = [0] * days
    end_flow = [0] * days
    min_equity = [0] * days
    point_lo = [0] * days
    point_hi = [0] * days
    reset_point = [False] * days
    net = [0] * days
    closed = [0] * days
    opened = [0] * days
    volume = [0] * days

    # The state carried over each reset, and the next point, close and open not yet counted.
    balance = equity = timeline.b0
    flow = 0
    snapshot_id = None
    point = close = open_ = 0
    # Closed trades only, one point per close: the points are the closes and a day's net is
    # the change of balance, so one bisect per day serves both.
    points_are_closes = times is closes
    for k in range(days):
        start = starts[k]
        end = starts[k + 1]
        start_balance[k] = balance
        start_equity[k] = equity
        start_flow[k] = flow
        start_snapshot[k] = snapshot_id
        point_lo[k] = point
        if point < n_points and times[point] < end:
            hi = bisect_left(times, end, point)
            at_reset = times[point] == start
            reset_point[k] = at_reset
            low = min(equities[point:hi])
            last = hi - 1
            if points_are_closes:
                net[k] = balances[last] - balance
                closed[k] = hi - point
            balance, equity, flow = balances[last], equities[last], flows[last]
            if snapshot_ids is not None:
                snapshot_id = snapshot_ids[last]
            min_equity[k] = low if at_reset or low < start_equity[k] else start_equity[k]
            point = hi
        else:
            min_equity[k] = equity
        point_hi[k] = point
        end_balance[k] = balance
        end_equity[k] = equity
        end_flow[k] = flow
        if not points_are_closes and close < n_closes and closes[close] < end:
            close_hi = bisect_left(closes, end, close)
            net[k] = sum(nets[close:close_hi])
            closed[k] = close_hi - close
            close = close_hi
        if open_ < n_opens and opens[open_] < end:
            open_hi = bisect_left(opens, end, open_)
            opened[k] = open_hi - open_
            volume[k] = sum(volumes[open_:open_hi])
            open_ = open_hi

    return DayBook(
        starts=starts,
        labels=labels,
        start_balance=start_balance,
        start_equity=start_equity,
        start_flow=start_flow,
        start_snapshot=start_snapshot,
        end_balance=end_balance,
        end_equity=end_equity,
        end_flow=end_flow,
        min_equity=min_equity,
        point_lo=point_lo,
        point_hi=point_hi,
        reset_point=reset_point,
        net=net,
        closed=closed,
        opened=opened,
        volume=volume,
    )
