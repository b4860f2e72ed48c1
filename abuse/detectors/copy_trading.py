"""Copy trading / signal sharing: accounts of different traders opening the same symbol in the
same direction within `window_ms` of each other, again and again.

For each pair of accounts (a, b) of different traders, trades are matched one to one: a trade
of a and a trade of b match when symbol and side are equal and |open_a − open_b| ≤ window_ms;
closest gaps are matched first and each trade is used at most once per pair. Then

    similarity = matched / min(trades of a, trades of b)          (in [0, 1])

and the pair is flagged when matched ≥ min_matches and similarity ≥ min_similarity. One
coincidence never flags; the score grows with the matched count for the same trade counts.

Cost: one sort of all trades by (symbol, side, open time) and a vectorised binary search per
trade for its window, so O(n log n + candidate pairs) in numpy; only account pairs with at least
`min_matches` candidates reach the Python matching. Independent traders rarely produce
candidates; copiers do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .columns import TradeColumns, as_columns, pair_codes, spans
from .types import Finding, TradeFact

DETECTOR = "copy_trading"
WINDOW_MS = 1_000
MIN_MATCHES = 10
MIN_SIMILARITY = 0.5
EVIDENCE_PAIRS = 50  # matched pairs kept as evidence, closest first


def candidate_arrays(cols: TradeColumns, window_ms: int = WINDOW_MS) -> dict[str, np.ndarray]:
    """Every same-symbol, same-side pair of trades of different traders opened within the
    window, as arrays: accounts `a` < `b`, their trades `trade_a`, `trade_b`, the pair `code`
    and `gap` (later open − earlier open, ms). One sort, then a vectorised window per trade."""
    order = np.lexsort((cols.trade_id, cols.open_ms, cols.symbol * 2 + cols.side))
    keys = cols.lane_key(cols.symbol * 2 + cols.side)[order]
    lo = np.arange(1, len(keys) + 1)
    earlier, later = spans(lo, np.searchsorted(keys, keys + window_ms, side="right"))
    earlier, later = order[earlier], order[later]
    keep = cols.trader_id[earlier] != cols.trader_id[later]
    earlier, later = earlier[keep], later[keep]
    acc_e, acc_l = cols.account_id[earlier], cols.account_id[later]
    a, b, code = pair_codes(acc_e, acc_l)
    first = acc_e < acc_l
    trade_e, trade_l = cols.trade_id[earlier], cols.trade_id[later]
    return {
        "a": a,
        "b": b,
        "code": code,
        "trade_a": np.where(first, trade_e, trade_l),
        "trade_b": np.where(first, trade_l, trade_e),
        "gap": cols.open_ms[later] - cols.open_ms[earlier],
    }


def candidate_matches(
    trades: TradeColumns | Sequence[TradeFact], window_ms: int = WINDOW_MS, min_count: int = 1
) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
    """{(account_a, account_b): [(trade of a, trade of b, gap ms)]} with account_a < account_b,
    for the pairs of accounts with at least `min_count` candidate pairs of trades."""
    found = candidate_arrays(as_columns(trades), window_ms)
    codes, counts = np.unique(found["code"], return_counts=True)
    wanted = np.isin(found["code"], codes[counts >= min_count])
    pairs: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    columns = (found[k][wanted].tolist() for k in ("a", "b", "trade_a", "trade_b", "gap"))
    for a, b, x, y, gap in zip(*columns, strict=True):
        pairs.setdefault((a, b), []).append((x, y, gap))
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
    trades: TradeColumns | Sequence[TradeFact],
    *,
    window_ms: int = WINDOW_MS,
    min_matches: int = MIN_MATCHES,
    min_similarity: float = MIN_SIMILARITY,
    trade_counts: dict[int, int] | None = None,
) -> list[Finding]:
    """Flag pairs of accounts of different traders that open the same trades within
    `window_ms`, at least `min_matches` times and for at least `min_similarity` of the smaller
    account's trades. `trade_counts` (account → trades) defaults to the counts in `trades`."""
    cols = as_columns(trades)
    counts = cols.trade_counts() if trade_counts is None else trade_counts
    traders = cols.traders()
    findings = []
    for (a, b), candidates in candidate_matches(cols, window_ms, min_matches).items():
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
