"""Tick scalping / latency arbitrage: many very short trades with an abnormal win rate — the
pattern of trading on a stale price feed rather than on a view of the market.

Per account: short trades are those held ≤ `max_hold_ms`. Flagged when there are at least
`min_short_trades` of them, they are at least `min_short_share` of the account's trades, and
their win rate (net > 0) is at least `min_win_rate`. Score = win rate × short share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .columns import TradeColumns, as_columns
from .types import Finding, TradeFact

DETECTOR = "tick_scalping"
MAX_HOLD_MS = 30_000
MIN_SHORT_TRADES = 20
MIN_SHORT_SHARE = 0.5
MIN_WIN_RATE = 0.8


def detect_tick_scalping(
    trades: TradeColumns | Sequence[TradeFact],
    *,
    max_hold_ms: int = MAX_HOLD_MS,
    min_short_trades: int = MIN_SHORT_TRADES,
    min_short_share: float = MIN_SHORT_SHARE,
    min_win_rate: float = MIN_WIN_RATE,
) -> list[Finding]:
    """Flag accounts whose trades are mostly very short and almost always win."""
    cols = as_columns(trades)
    accounts, index, totals = np.unique(cols.account_id, return_inverse=True, return_counts=True)
    is_short = cols.close_ms - cols.open_ms <= max_hold_ms
    shorts = np.bincount(index, weights=is_short, minlength=len(accounts)).astype(np.int64)
    wins = np.bincount(index, weights=is_short & (cols.net_cents > 0), minlength=len(accounts))
    traders = cols.traders()
    per_account = {
        account: (total, short, won, traders[account])
        for account, total, short, won in zip(
            accounts.tolist(),
            totals.tolist(),
            shorts.tolist(),
            wins.astype(np.int64).tolist(),
            strict=True,
        )
        if short >= min_short_trades
    }
    findings = []
    for account_id, (total, short, won, trader_id) in sorted(per_account.items()):
        if short < min_short_trades:
            continue
        share, win_rate = short / total, won / short
        if share < min_short_share or win_rate < min_win_rate:
            continue
        findings.append(
            Finding(
                detector=DETECTOR,
                key=f"{DETECTOR}:{account_id}",
                score=round(win_rate * share, 4),
                trader_ids=(trader_id,),
                account_ids=(account_id,),
                summary=(
                    f"{short} of {total} trades held ≤ {max_hold_ms // 1000} s, "
                    f"{win_rate:.0%} of them won"
                ),
                evidence={
                    "trades": total,
                    "short_trades": short,
                    "won": won,
                    "max_hold_ms": max_hold_ms,
                },
            )
        )
    return findings
