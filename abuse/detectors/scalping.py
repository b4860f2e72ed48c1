"""Tick scalping / latency arbitrage: many very short trades with an abnormal win rate — the
pattern of trading on a stale price feed rather than on a view of the market.

Per account: short trades are those held ≤ `max_hold_ms`. Flagged when there are at least
`min_short_trades` of them, they are at least `min_short_share` of the account's trades, and
their win rate (net > 0) is at least `min_win_rate`. Score = win rate × short share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .types import Finding, TradeFact

DETECTOR = "tick_scalping"
MAX_HOLD_MS = 30_000
MIN_SHORT_TRADES = 20
MIN_SHORT_SHARE = 0.5
MIN_WIN_RATE = 0.8


def detect_tick_scalping(
    trades: Sequence[TradeFact],
    *,
    max_hold_ms: int = MAX_HOLD_MS,
    min_short_trades: int = MIN_SHORT_TRADES,
    min_short_share: float = MIN_SHORT_SHARE,
    min_win_rate: float = MIN_WIN_RATE,
) -> list[Finding]:
    """Flag accounts whose trades are mostly very short and almost always win."""
    per_account: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # all, short, won, trader
    for t in trades:
        stats = per_account[t.account_id]
        stats[0] += 1
        stats[3] = t.trader_id
        if t.close_ms - t.open_ms <= max_hold_ms:
            stats[1] += 1
            stats[2] += t.net_cents > 0
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
