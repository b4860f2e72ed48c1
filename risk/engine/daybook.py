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
    start_bal: list[int]
    start_eq: list[int]
    start_flow: list[int]
    start_snap: list[int | None]  # snapshot behind start_eq, if any
    end_bal: list[int]
    end_eq: list[int]
    end_flow: list[int]
    min_eq: list[int]  # lowest equity in the day, the carried start equity included
    point_lo: list[int]  # points of day k are tl.ts[point_lo[k]:point_hi[k]]
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


def build_day_book(tl: Timeline, reset_tz: str, reset_hour: int) -> DayBook:
    """Aggregate the timeline into trading days, from the day of the first event or the start
    (whichever is earlier) to the day of `tl.end_ts`."""
    first = tl.start_ts
    if tl.ts and tl.ts[0] < first:
        first = tl.ts[0]
    if tl.opens and tl.opens[0] < first:
        first = tl.opens[0]
    starts, labels = day_calendar(reset_tz, reset_hour).span(first, tl.end_ts)
    days = len(labels)

    pts, bal, eq, flow, snap = tl.ts, tl.bal, tl.eq, tl.flow, tl.snap
    closes, nets, opens, volumes = tl.closes, tl.nets, tl.opens, tl.open_volumes
    n_points = len(pts)
    n_closes = len(closes)
    n_opens = len(opens)
    start_bal = [0] * days
    start_eq = [0] * days
    start_flow = [0] * days
    start_snap: list[int | None] = [None] * days
    end_bal = [0] * days
    end_eq = [0] * days
    end_flow = [0] * days
    min_eq = [0] * days
    point_lo = [0] * days
    point_hi = [0] * days
    reset_point = [False] * days
    net = [0] * days
    closed = [0] * days
    opened = [0] * days
    volume = [0] * days

    b = e = tl.b0
    f = 0
    sid = None
    p = c = o = 0
    # Closed trades only, one point per close: the points are the closes and a day's net is
    # the change of balance, so one bisect per day serves both.
    points_are_closes = pts is closes
    for k in range(days):
        start = starts[k]
        end = starts[k + 1]
        start_bal[k] = b
        start_eq[k] = e
        start_flow[k] = f
        start_snap[k] = sid
        point_lo[k] = p
        if p < n_points and pts[p] < end:
            hi = bisect_left(pts, end, p)
            at_reset = pts[p] == start
            reset_point[k] = at_reset
            low = min(eq[p:hi])
            last = hi - 1
            if points_are_closes:
                net[k] = bal[last] - b
                closed[k] = hi - p
            b, e, f = bal[last], eq[last], flow[last]
            if snap is not None:
                sid = snap[last]
            min_eq[k] = low if at_reset or low < start_eq[k] else start_eq[k]
            p = hi
        else:
            min_eq[k] = e
        point_hi[k] = p
        end_bal[k] = b
        end_eq[k] = e
        end_flow[k] = f
        if not points_are_closes and c < n_closes and closes[c] < end:
            c_hi = bisect_left(closes, end, c)
            net[k] = sum(nets[c:c_hi])
            closed[k] = c_hi - c
            c = c_hi
        if o < n_opens and opens[o] < end:
            o_hi = bisect_left(opens, end, o)
            opened[k] = o_hi - o
            volume[k] = sum(volumes[o:o_hi])
            o = o_hi

    return DayBook(
        starts=starts,
        labels=labels,
        start_bal=start_bal,
        start_eq=start_eq,
        start_flow=start_flow,
        start_snap=start_snap,
        end_bal=end_bal,
        end_eq=end_eq,
        end_flow=end_flow,
        min_eq=min_eq,
        point_lo=point_lo,
        point_hi=point_hi,
        reset_point=reset_point,
        net=net,
        closed=closed,
        opened=opened,
        volume=volume,
    )
