"""Copy trading / signal sharing: accounts of different traders opening the same symbol in the
same direction within `window_ms` of each other, again and again.

For each pair of accounts (a, b) of different traders, trades are matched one to one: a trade
of a and a trade of b match when symbol and side are equal and |open_a − open_b| ≤ window_ms;
closest gaps are matched first and each trade is used at most once per pair. Then

    similarity = matched / min(trades of a, trades of b)          (in [0, 1])

and the pair is flagged when matched ≥ min_matches and similarity ≥ min_similarity. One
coincidence never flags; the score grows with the matched count for the same trade counts.

Cost: one sort of all trades plus a sweep over (symbol, side) with a time window, so
O(n log n + candidate pairs). Independent traders rarely produce candidates; copiers do.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence

from .types import Finding, TradeFact

DETECTOR = "copy_trading"
WINDOW_MS = 1_000
MIN_MATCHES = 10
MIN_SIMILARITY = 0.5
EVIDENCE_PAIRS = 50  # matched pairs kept as evidence, closest first


def candidate_matches(
    trades: Sequence[TradeFact], window_ms: int = WINDOW_MS
) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
    """{(account_a, account_b): [(trade of a, trade of b, gap ms)]} with account_a < account_b,
    for every same-symbol, same-side pair of trades of different traders within the window."""
    ordered = sorted(trades, key=lambda t: (t.symbol, t.side, t.open_ms, t.trade_id))
    pairs: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    window: deque[TradeFact] = deque()
    lane = None
    for trade in ordered:
        if (trade.symbol, trade.side) != lane:
            lane = (trade.symbol, trade.side)
            window.clear()
        while window and window[0].open_ms < trade.open_ms - window_ms:
            window.popleft()
        for other in window:
            if other.trader_id == trade.trader_id:
                continue
            gap = trade.open_ms - other.open_ms
            if other.account_id < trade.account_id:
                pairs[other.account_id, trade.account_id].append(
                    (other.trade_id, trade.trade_id, gap)
                )
            else:
                pairs[trade.account_id, other.account_id].append(
                    (trade.trade_id, other.trade_id, gap)
                )
        window.append(trade)
    return pairs


def match_one_to_one(candidates: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Closest gaps first, each trade used once: the matched (trade a, trade b, gap) pairs."""
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched = []
    for a, b, gap in sorted(candidates, key=lambda c: (abs(c[2]), c[0], c[1])):
        if a in used_a or b in used_b:
            continue
        used_a.add(a)
        used_b.add(b)
        matched.append((a, b, gap))
    return matched


def similarity(matched: int, trades_a: int, trades_b: int) -> float:
    """matched / min(trades_a, trades_b), 0 when either account has no trades."""
    fewer = min(trades_a, trades_b)
    return min(1.0, matched / fewer) if fewer else 0.0


def detect_copy_trading(
    trades: Sequence[TradeFact],
    *,
    window_ms: int = WINDOW_MS,
    min_matches: int = MIN_MATCHES,
    min_similarity: float = MIN_SIMILARITY,
    trade_counts: dict[int, int] | None = None,
) -> list[Finding]:
    """Flag pairs of accounts of different traders that open the same trades within
    `window_ms`, at least `min_matches` times and for at least `min_similarity` of the smaller
    account's trades. `trade_counts` (account → trades) defaults to the counts in `trades`."""
    counts = trade_counts
    if counts is None:
        counts = defaultdict(int)
        for trade in trades:
            counts[trade.account_id] += 1
    traders = {t.account_id: t.trader_id for t in trades}
    findings = []
    for (a, b), candidates in candidate_matches(trades, window_ms).items():
        if len(candidates) < min_matches:
            continue
        matched = match_one_to_one(candidates)
        score = similarity(len(matched), counts[a], counts[b])
        if len(matched) < min_matches or score < min_similarity:
            continue
        gaps = sorted(abs(g) for _, _, g in matched)
        median_gap = gaps[len(gaps) // 2]
        findings.append(
            Finding(
                detector=DETECTOR,
                key=f"{DETECTOR}:{a}:{b}",
                score=round(score, 4),
                trader_ids=tuple(sorted({traders[a], traders[b]})),
                account_ids=(a, b),
                summary=(
                    f"{len(matched)} trades opened together (same symbol and side, median gap "
                    f"{median_gap} ms, limit {window_ms} ms): {score:.0%} of the smaller "
                    "account's trades"
                ),
                evidence={
                    "matched": len(matched),
                    "trades": [counts[a], counts[b]],
                    "window_ms": window_ms,
                    "median_gap_ms": median_gap,
                    "pairs": [list(p) for p in matched[:EVIDENCE_PAIRS]],
                },
            )
        )
    return findings
