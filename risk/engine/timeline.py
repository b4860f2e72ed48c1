"""The balance and equity path of one account, as parallel int lists ("points").

    balance(t) = B0 + Σ net of trades closed ≤ t + Σ balance operations ≤ t
    equity(t)  = the equity of the last snapshot at or before t, if that snapshot is at or after
                 the last balance change; otherwise balance(t)

A snapshot is the only source of floating P&L; a later trade close or balance operation makes
it stale, and equity falls back to balance until the next snapshot. Points are the instants
where balance or equity may change, one per distinct timestamp, holding the state after every
event at that instant.

Deposits and withdrawals are *flows*: they move the balance but are not trading results.
`flow[i]` is their running sum; rules subtract it so a payout is never a loss (PRODUCT.md §3:
"HWM and trailing floors follow the new balance"). Adjustments count like trading P&L.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from operator import le, lt, sub

from .types import AccountIn, TradeIn

FLOW_KINDS = frozenset({"deposit", "withdrawal"})


@dataclass(slots=True)
class Timeline:
    b0: int
    start_ts: int  # the account's start
    end_ts: int  # effective "now": max(as_of_ts, last event)
    basis: str  # "closed_trades" | "equity_snapshots"
    trades: tuple[TradeIn, ...]  # sorted by (close_ts, id)
    closes: list[int]  # close_ts of `trades`
    nets: list[int]  # net of `trades`
    opens: list[int]  # open_ts, sorted
    open_volumes: list[int]  # volume, in the order of `opens`
    times: list[int]  # point instants, strictly increasing
    balances: list[int]  # balance after the point
    equities: list[int]  # equity after the point
    flows: list[int]  # running deposits + withdrawals after the point
    snapshot_ids: list[int | None] | None  # id of the snapshot that set the equity, None = balance
    has_flows: bool

    def trading_balances(self) -> list[int]:
        """Balance without flows: the trading balance the rules look at."""
        return list(map(sub, self.balances, self.flows)) if self.has_flows else self.balances

    def trading_equities(self) -> list[int]:
        return list(map(sub, self.equities, self.flows)) if self.has_flows else self.equities

    def open_positions_at(self, ts: int) -> int:
        """Positions open at ts: opened at or before ts and closed after it."""
        return bisect_right(self.opens, ts) - bisect_right(self.closes, ts)


def _is_sorted(values: list[int]) -> bool:
    return all(map(le, values, values[1:]))


def _is_increasing(values: list[int]) -> bool:
    return all(map(lt, values, values[1:]))


def sorted_trades(trades: tuple[TradeIn, ...]) -> tuple[TradeIn, ...]:
    """Trades in the contract's order (close_ts, id), whatever order they came in."""
    if _is_increasing([t.close_ts for t in trades]):
        return trades
    return tuple(sorted(trades, key=lambda t: (t.close_ts, t.id)))


def build_timeline(account: AccountIn) -> Timeline:
    """The points of `account`, from its trades, snapshots and balance operations."""
    b0 = account.initial_balance
    trades = sorted_trades(account.trades)
    closes = [t.close_ts for t in trades]
    nets = [t.net for t in trades]
    opens = [t.open_ts for t in trades]
    volumes = [t.volume for t in trades]
    if not _is_sorted(opens):
        pairs = sorted(zip(opens, volumes, strict=True))
        opens = [p[0] for p in pairs]
        volumes = [p[1] for p in pairs]

    snapshots = account.snapshots
    ops = account.balance_ops
    if not snapshots and not ops:
        times, balances = _closed_points(b0, closes, nets)
        equities, flows, snapshot_ids, has_flows = balances, [0] * len(times), None, False
    else:
        times, balances, equities, flows, snapshot_ids = _merged_points(b0, trades, snapshots, ops)
        has_flows = any(op.kind in FLOW_KINDS for op in ops)
        if not snapshots:
            snapshot_ids = None

    last = max(times[-1] if times else 0, opens[-1] if opens else 0)
    return Timeline(
        b0=b0,
        start_ts=account.started_ts,
        end_ts=max(account.as_of_ts, last, account.started_ts),
        basis="equity_snapshots" if snapshots else "closed_trades",
        trades=trades,
        closes=closes,
        nets=nets,
        opens=opens,
        open_volumes=volumes,
        times=times,
        balances=balances,
        equities=equities,
        flows=flows,
        snapshot_ids=snapshot_ids,
        has_flows=has_flows,
    )


def _closed_points(b0: int, closes: list[int], nets: list[int]) -> tuple[list[int], list[int]]:
    """Closed trades only: balance after each close, one point per distinct close time."""
    balances = list(accumulate(nets, initial=b0))[1:]
    if _is_increasing(closes):
        return closes, balances
    times: list[int] = []
    merged: list[int] = []
    for close, balance in zip(closes, balances, strict=True):
        if times and times[-1] == close:
            merged[-1] = balance
        else:
            times.append(close)
            merged.append(balance)
    return times, merged


def _merged_points(b0, trades, snapshots, ops):
    # At one instant, balance changes come first and the snapshot last: a snapshot stamped at
    # the same second as a close already reflects it.
    events = [(t.close_ts, 0, t.net, 0) for t in trades]
    events += [(op.ts, 1, op.amount, 1 if op.kind in FLOW_KINDS else 0) for op in ops]
    events += [(s.ts, 2, s.equity, s.id) for s in snapshots]
    events.sort(key=lambda e: (e[0], e[1], e[3]))
    times: list[int] = []
    balances: list[int] = []
    equities: list[int] = []
    flows: list[int] = []
    snapshot_ids: list[int | None] = []
    balance, flow = b0, 0
    snapshot_equity: int | None = None
    snapshot_id: int | None = None
    for when, kind, value, extra in events:
        if kind == 2:
            snapshot_equity, snapshot_id = value, extra
        else:
            balance += value
            if extra:
                flow += value
            snapshot_equity = snapshot_id = None  # the balance changed after the last snapshot
        equity = balance if snapshot_equity is None else snapshot_equity
        if times and times[-1] == when:
            balances[-1], equities[-1], flows[-1], snapshot_ids[-1] = (
                balance,
                equity,
                flow,
                snapshot_id,
            )
        else:
            times.append(when)
            balances.append(balance)
            equities.append(equity)
            flows.append(flow)
            snapshot_ids.append(snapshot_id)
    return times, balances, equities, flows, snapshot_ids
