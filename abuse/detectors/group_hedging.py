"""Group hedging: accounts of different traders that repeatedly take opposite sides of the same
symbol within `window_ms` — in pairs (today's per-account rule) or spread over a cluster, where
A is long, B and C short, so no single pair looks like much.

Pairs come from the pairwise rule's sweep (`risk.engine.rules.hedging.hedged_pairs`). An edge
joins two accounts with at least `min_hedges` hedged pairs of trades; a cluster is a connected
component of such edges. Score = hedged trades of the cluster / its trades (in [0, 1]); the
cluster is flagged when the score ≥ `min_share`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from risk.engine.rules.hedging import hedged_pairs

from .components import connected_components
from .types import Finding, TradeFact

DETECTOR = "group_hedging"
WINDOW_MS = 60_000
MIN_HEDGES = 5
MIN_SHARE = 0.3
EVIDENCE_PAIRS = 50


def detect_group_hedging(
    trades: Sequence[TradeFact],
    *,
    window_ms: int = WINDOW_MS,
    min_hedges: int = MIN_HEDGES,
    min_share: float = MIN_SHARE,
) -> list[Finding]:
    """Flag clusters of accounts (of at least two traders) hedging each other repeatedly."""
    rows = [(t.symbol, t.open_ms, t.trade_id, t.side, t.account_id, t.trader_id) for t in trades]
    edges: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for row, other in hedged_pairs(rows, window_ms):
        if row[5] == other[5]:
            continue  # one trader's own accounts: the per-account rule's business
        a, b = sorted((row[4], other[4]))
        edges[a, b].append((other[2], row[2], row[1] - other[1]))
    strong = {pair: hits for pair, hits in edges.items() if len(hits) >= min_hedges}
    counts = Counter(t.account_id for t in trades)
    traders = {t.account_id: t.trader_id for t in trades}
    findings = []
    for cluster in connected_components(strong):
        cluster_edges = {p: h for p, h in strong.items() if p[0] in cluster}
        hedged_trades = {t for hits in cluster_edges.values() for a, b, _ in hits for t in (a, b)}
        total = sum(counts[a] for a in cluster)
        score = min(1.0, len(hedged_trades) / total) if total else 0.0
        if score < min_share:
            continue
        accounts = tuple(sorted(cluster))
        pairs = sorted(
            ([a, b, x, y, gap] for (a, b), hits in cluster_edges.items() for x, y, gap in hits),
            key=lambda p: abs(p[4]),
        )
        findings.append(
            Finding(
                detector=DETECTOR,
                key=f"{DETECTOR}:" + ":".join(map(str, accounts)),
                score=round(score, 4),
                trader_ids=tuple(sorted({traders[a] for a in accounts})),
                account_ids=accounts,
                summary=(
                    f"{len(accounts)} accounts took opposite sides of the same symbol "
                    f"{len(pairs)} times within {window_ms // 1000} s; {score:.0%} of their "
                    "trades are hedged"
                ),
                evidence={
                    "hedges": len(pairs),
                    "window_ms": window_ms,
                    "edges": {f"{a}-{b}": len(h) for (a, b), h in cluster_edges.items()},
                    "pairs": pairs[:EVIDENCE_PAIRS],
                },
            )
        )
    return findings
