"""Hedging across accounts (firm-wide): opposite-side positions on the same symbol opened within
N seconds (inclusive) of each other on different accounts — of different traders, or of one
trader across accounts.

Trades of all accounts are sorted by (symbol, open time) and swept with a window per side, so
the cost is O(n log n) plus the pairs found. Each pair gives one breach on each account, keyed
"hedging:trade:<own id>:with:<other id>". Symbols are compared upper-cased, as given.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from ..types import Breach, TradeIn
from ..wording import format_volume


def scan_hedging(
    trades_by_account: dict[int, tuple[int, tuple[TradeIn, ...]]],
    seconds: int,
    severity: str = "soft",
) -> dict[int, list[Breach]]:
    """{account_id: (trader_id, trades)} → {account_id: breaches} for every hedged pair.

    A pair (a, b) is hedged when a.symbol == b.symbol, a.side != b.side, the accounts differ
    and |a.open_ts − b.open_ts| ≤ seconds.
    """
    rows = []
    for account_id, (trader_id, trades) in trades_by_account.items():
        for t in trades:
            rows.append((t.symbol.upper(), t.open_ts, t.id, t.side, account_id, trader_id, t))
    found: dict[int, list[Breach]] = {}
    for row, other in hedged_pairs(rows, seconds):
        _pair(found, row, other, severity=severity, seconds=seconds)
        _pair(found, other, row, severity=severity, seconds=seconds)
    for breaches in found.values():
        breaches.sort(key=lambda b: (b.ts, b.key))
    return found


def hedged_pairs(rows: list[tuple], window: int) -> Iterator[tuple[tuple, tuple]]:
    """Every (later, earlier) pair of rows hedging each other: rows are tuples starting
    (symbol, open time, id, side, account id, ...); a pair has equal symbols, opposite sides,
    different accounts and open times at most `window` apart (in the rows' time unit).

    The firm-wide group hedging detector (`abuse.detectors.group_hedging`) finds the same pairs
    with a vectorised search over a million trades.
    """
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    windows: dict[str, deque] = {"buy": deque(), "sell": deque()}
    symbol = None
    for row in rows:
        sym, opened, _, side, account_id = row[:5]
        if sym != symbol:
            symbol = sym
            windows = {"buy": deque(), "sell": deque()}
        for window_rows in windows.values():
            while window_rows and window_rows[0][1] < opened - window:
                window_rows.popleft()
        for other in windows["sell" if side == "buy" else "buy"]:
            if other[4] != account_id:
                yield row, other
        windows.setdefault(side, deque()).append(row)


def _pair(found, own, other, *, severity: str, seconds: int) -> None:
    trade: TradeIn = own[6]
    mate: TradeIn = other[6]
    gap = abs(trade.open_ts - mate.open_ts)
    same_trader = own[5] == other[5]
    whose = "another account of the same trader" if same_trader else f"account {other[4]}"
    found.setdefault(own[4], []).append(
        Breach(
            code="hedging",
            severity=severity,
            ts=max(trade.open_ts, mate.open_ts),
            threshold=seconds,
            observed=gap,
            unit="seconds",
            key=f"hedging:trade:{trade.id}:with:{mate.id}",
            message=(
                f"Trade #{trade.ticket} ({trade.side} {format_volume(trade.volume)} "
                f"{trade.symbol}) and trade #{mate.ticket} ({mate.side} "
                f"{format_volume(mate.volume)} {mate.symbol}) on {whose} were opened {gap} s "
                f"apart (limit {seconds} s)."
            ),
            trade_ids=(trade.id, mate.id),
            details={
                "other_account_id": other[4],
                "other_trade_id": mate.id,
                "other_trader_id": other[5],
                "same_trader": same_trader,
            },
        )
    )
