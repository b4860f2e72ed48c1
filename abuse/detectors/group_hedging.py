"""Group hedging: accounts of different traders that repeatedly take opposite sides of the same
symbol within `window_ms` — in pairs or spread over a cluster, where A is long, B and C short,
so no single pair looks like much.

A hedge is a buy and a sell of one symbol on accounts of different traders opened at most
`window_ms` apart. Two accounts trading independently still hedge now and then by chance, the
more often the more they trade: if a has n_a(s, side) trades per symbol and side and b likewise,
over a period of `span_ms`, the expected number of chance hedges is

    λ = concentration × (2·window_ms + 1) / span_ms
        × Σ_s [n_a(s, buy)·n_b(s, sell) + n_a(s, sell)·n_b(s, buy)]

(opening times uniform over the period; `concentration` inflates the rate as if all trading
happened in 1/concentration of the clock — sessions, news — so busy hours do not read as
collusion). The hedge count of an independent pair is about Poisson(λ). An edge joins two
accounts when their hedge count h ≥ `min_hedges` and P(Poisson(λ) ≥ h) ≤ `max_p_value`; the
default 1e-9 keeps the expected number of chance edges below 0.05 even over the 5·10^7 pairs of
10,000 accounts. A cluster is a connected component of edges. Score = the cluster's hedged
trades / its trades; the evidence gives each edge's count, chance expectation and p-value.

So a pair of light traders hedging 8 times in a month is flagged, and two heavy traders whose
hundreds of trades overlap a few dozen times by chance are not: the test scales with activity
instead of a fixed share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .columns import BUY, SELL, TradeColumns, as_columns, pair_codes, window_pairs
from .components import connected_components
from .types import Finding, TradeFact

DETECTOR = "group_hedging"
WINDOW_MS = 60_000
MIN_HEDGES = 5
MAX_P_VALUE = 1e-9
CONCENTRATION = 4.0
EVIDENCE_PAIRS = 50


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam), summed from the k-th term (no cancellation)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    term = math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1))
    total, n = 0.0, k
    while term > total * 1e-16 and n < k + 10_000:
        total += term
        n += 1
        term *= lam / n
    return min(1.0, total)


def hedge_arrays(cols: TradeColumns, window_ms: int) -> dict[str, np.ndarray]:
    """Every hedge between accounts of different traders: accounts `a` < `b`, pair `code`, the
    earlier and later trade and the gap (ms). Buys and sells of each symbol are sorted once and
    every buy finds its sells within the window by binary search."""
    keys = cols.lane_key(cols.symbol)
    buys = np.flatnonzero(cols.side == BUY)
    sells = np.flatnonzero(cols.side == SELL)
    sells = sells[np.lexsort((cols.trade_id[sells], keys[sells]))]
    i, j = window_pairs(keys[buys], keys[sells], window_ms)
    buy, sell = buys[i], sells[j]
    keep = cols.trader_id[buy] != cols.trader_id[sell]
    buy, sell = buy[keep], sell[keep]
    a, b, code = pair_codes(cols.account_id[buy], cols.account_id[sell])
    later_is_buy = (cols.open_ms[buy] > cols.open_ms[sell]) | (
        (cols.open_ms[buy] == cols.open_ms[sell]) & (cols.trade_id[buy] > cols.trade_id[sell])
    )
    later = np.where(later_is_buy, buy, sell)
    earlier = np.where(later_is_buy, sell, buy)
    return {
        "a": a,
        "b": b,
        "code": code,
        "earlier": cols.trade_id[earlier],
        "later": cols.trade_id[later],
        "gap": cols.open_ms[later] - cols.open_ms[earlier],
    }


def _lane_counts(cols: TradeColumns, accounts: set[int]) -> dict[int, dict[int, int]]:
    """account → {symbol code × 2 + side: trades}, for these accounts."""
    mask = np.isin(cols.account_id, list(accounts))
    lanes = cols.symbol[mask] * 2 + cols.side[mask]
    found: dict[int, dict[int, int]] = {a: {} for a in accounts}
    keys, counts = np.unique(np.stack([cols.account_id[mask], lanes]), axis=1, return_counts=True)
    for (account, lane), n in zip(keys.T.tolist(), counts.tolist(), strict=True):
        found[account][lane] = n
    return found


def chance_hedges(lanes_a: dict[int, int], lanes_b: dict[int, int], overlap: float) -> float:
    """λ: the hedges two independent accounts with these per-(symbol, side) counts expect."""
    opposite = sum(n * lanes_b.get(lane ^ 1, 0) for lane, n in lanes_a.items())
    return overlap * opposite


def detect_group_hedging(
    trades: TradeColumns | Sequence[TradeFact],
    *,
    window_ms: int = WINDOW_MS,
    min_hedges: int = MIN_HEDGES,
    max_p_value: float = MAX_P_VALUE,
    concentration: float = CONCENTRATION,
    span_ms: int | None = None,
) -> list[Finding]:
    """Flag clusters of accounts (of at least two traders) hedging each other more often than
    their activity explains. `span_ms` is the period the trades cover (default: first to last
    open time)."""
    cols = as_columns(trades)
    if not len(cols):
        return []
    hedges = hedge_arrays(cols, window_ms)
    codes, counts = np.unique(hedges["code"], return_counts=True)
    busy = np.isin(hedges["code"], codes[counts >= min_hedges])
    edges: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    fields = (hedges[k][busy].tolist() for k in ("a", "b", "earlier", "later", "gap"))
    for a, b, x, y, gap in zip(*fields, strict=True):
        edges.setdefault((a, b), []).append((x, y, gap))
    if span_ms is None:
        span_ms = int(cols.open_ms.max() - cols.open_ms.min())
    overlap = min(1.0, concentration * (2 * window_ms + 1) / max(span_ms, 2 * window_ms + 1))
    lanes = _lane_counts(cols, {x for pair in edges for x in pair})
    tests = {}
    for (a, b), hits in edges.items():
        lam = chance_hedges(lanes[a], lanes[b], overlap)
        p_value = poisson_tail(len(hits), lam)
        if p_value <= max_p_value:
            tests[a, b] = (lam, p_value)
    strong = {pair: edges[pair] for pair in tests}
    counts_by_account = cols.trade_counts()
    traders = cols.traders()
    findings = []
    for cluster in connected_components(strong):
        cluster_edges = {p: h for p, h in strong.items() if p[0] in cluster}
        hedged_trades = {t for hits in cluster_edges.values() for x, y, _ in hits for t in (x, y)}
        total = sum(counts_by_account[a] for a in cluster)
        score = min(1.0, len(hedged_trades) / total) if total else 0.0
        accounts = tuple(sorted(cluster))
        pairs = sorted(
            ([a, b, x, y, gap] for (a, b), hits in cluster_edges.items() for x, y, gap in hits),
            key=lambda p: (abs(p[4]), p[2], p[3]),
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
                    f"{len(pairs)} times within {window_ms // 1000} s (chance would explain "
                    f"{sum(tests[p][0] for p in cluster_edges):.1f}); {score:.0%} of their "
                    "trades are hedged"
                ),
                evidence={
                    "hedges": len(pairs),
                    "window_ms": window_ms,
                    "edges": {
                        f"{a}-{b}": {
                            "hedges": len(h),
                            "chance": round(tests[a, b][0], 3),
                            "p_value": float(f"{tests[a, b][1]:.3g}"),
                        }
                        for (a, b), h in cluster_edges.items()
                    },
                    "pairs": pairs[:EVIDENCE_PAIRS],
                },
            )
        )
    return findings
