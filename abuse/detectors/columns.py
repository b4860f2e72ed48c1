"""Trades as columns (numpy arrays), the form the detectors compute on: one array per field,
symbols and sides as small integer codes, times in epoch milliseconds (UTC).

A million `TradeFact` tuples cost seconds to build and sort in Python; the same trades as eight
integer arrays sort and sweep in tens of milliseconds. The loader fills the arrays straight from
PostgreSQL (abuse/services/loading.py); tests and small callers pass `TradeFact`s and
`as_columns` converts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .types import TradeFact

BUY, SELL = 0, 1
TIME_BITS = 44  # 2**44 ms ≈ 557 years: room for any time offset inside one sort key


@dataclass(frozen=True)
class TradeColumns:
    """Parallel int64 arrays, one element per trade; `symbol` is a code (equal symbols, equal
    codes) and `side` is BUY or SELL."""

    trade_id: np.ndarray
    account_id: np.ndarray
    trader_id: np.ndarray
    symbol: np.ndarray
    side: np.ndarray
    open_ms: np.ndarray
    close_ms: np.ndarray
    net_cents: np.ndarray

    def __len__(self) -> int:
        return len(self.trade_id)

    def traders(self) -> dict[int, int]:
        """account → trader."""
        accounts, first = np.unique(self.account_id, return_index=True)
        return dict(zip(accounts.tolist(), self.trader_id[first].tolist(), strict=True))

    def trade_counts(self) -> dict[int, int]:
        """account → number of trades."""
        accounts, counts = np.unique(self.account_id, return_counts=True)
        return dict(zip(accounts.tolist(), counts.tolist(), strict=True))

    def lane_key(self, lane: np.ndarray) -> np.ndarray:
        """One sortable int64 per trade: `lane` (a small code) first, then the open time."""
        base = int(self.open_ms.min()) if len(self) else 0
        return (lane.astype(np.int64) << TIME_BITS) + (self.open_ms - base)


def as_columns(trades: TradeColumns | Sequence[TradeFact]) -> TradeColumns:
    if isinstance(trades, TradeColumns):
        return trades
    codes: dict[str, int] = {}
    rows = [
        (t.trade_id, t.account_id, t.trader_id, codes.setdefault(t.symbol.upper(), len(codes)),
         SELL if t.side == "sell" else BUY, t.open_ms, t.close_ms, t.net_cents)
        for t in trades
    ]  # fmt: skip
    array = np.array(rows, dtype=np.int64).reshape(-1, 8)
    return TradeColumns(*(array[:, i].copy() for i in range(8)))


def window_pairs(keys: np.ndarray, others: np.ndarray, window: int) -> tuple[np.ndarray, ...]:
    """(i, j): every index i of `keys` with every index j of the sorted `others` where
    keys[i] − window ≤ others[j] ≤ keys[i] + window. Memory is linear in the pairs found."""
    lo = np.searchsorted(others, keys - window, side="left")
    hi = np.searchsorted(others, keys + window, side="right")
    return spans(lo, hi)


def spans(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) for every i and every j in [lo[i], hi[i])."""
    sizes = np.maximum(hi - lo, 0)
    total = int(sizes.sum())
    i = np.repeat(np.arange(len(lo)), sizes)
    starts = np.cumsum(sizes) - sizes
    j = np.repeat(lo, sizes) + (np.arange(total) - np.repeat(starts, sizes))
    return i, j


def pair_codes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, code) for account pairs, low < high, code unique per unordered pair."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    return low, high, (low << 32) + high
