"""The plain data the detectors read and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class TradeFact(NamedTuple):
    """One trade as the detectors see it; times in epoch milliseconds (UTC)."""

    trade_id: int
    account_id: int
    trader_id: int
    symbol: str  # upper-cased by the loader
    side: str  # "buy" | "sell"
    open_ms: int
    close_ms: int
    net_cents: int


@dataclass(frozen=True)
class Finding:
    """Something a detector found: who, how strong (score in [0, 1]) and why.

    `key` is stable across runs (detector + the accounts or the shared value), so storing a
    finding twice updates it instead of adding a second one.
    """

    detector: str
    key: str
    score: float
    trader_ids: tuple[int, ...]
    account_ids: tuple[int, ...]
    summary: str
    evidence: dict = field(default_factory=dict)
