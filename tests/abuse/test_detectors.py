"""The abuse detectors over plain data: copiers with jitter are found, independent traders are
not, the score grows with the matched count, clusters hedge, scalpers with a freak win rate."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from abuse.detectors.copy_trading import detect_copy_trading, similarity
from abuse.detectors.group_hedging import detect_group_hedging
from abuse.detectors.scalping import detect_tick_scalping
from abuse.detectors.shared_identity import detect_shared_identity
from abuse.detectors.types import TradeFact

SYMBOLS = ("EURUSD", "GBPUSD", "XAUUSD", "US30", "NAS100")
DAY_MS = 86_400_000


def _random_trades(rng, account, trader, n, first_id, days=30):
    trades = []
    for i in range(n):
        opened = rng.randrange(days * DAY_MS)
        trades.append(
            TradeFact(
                first_id + i,
                account,
                trader,
                rng.choice(SYMBOLS),
                rng.choice(("buy", "sell")),
                opened,
                opened + rng.randrange(60_000, 3_600_000),
                rng.randrange(-5000, 5000),
            )
        )
    return trades


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    jitter=st.integers(0, 1_000),
    n=st.integers(10, 60),
)
def test_a_copier_with_jitter_within_the_window_is_found(seed, jitter, n):
    rng = random.Random(seed)
    leader = _random_trades(rng, 1, 10, n, 0)
    copier = [
        t._replace(
            trade_id=1000 + i,
            account_id=2,
            trader_id=20,
            open_ms=t.open_ms + rng.randint(-jitter, jitter),
        )
        for i, t in enumerate(leader)
    ]
    found = detect_copy_trading(leader + copier, window_ms=1_000)
    assert [f.account_ids for f in found] == [(1, 2)]
    assert found[0].evidence["matched"] == n


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_independent_random_traders_are_not_flagged(seed):
    rng = random.Random(seed)
    trades = []
    for account in range(200):  # 200 traders × 100 trades in 30 days, 5 symbols
        trades += _random_trades(rng, account, account, 100, account * 1000)
    assert detect_copy_trading(trades) == []
    assert detect_group_hedging(trades) == []
    assert detect_tick_scalping(trades) == []


@given(matched=st.integers(0, 100), extra=st.integers(0, 100), other=st.integers(0, 100))
def test_the_similarity_grows_with_the_matched_count(matched, extra, other):
    a, b = matched + extra, matched + other
    assert similarity(matched, a, b) <= similarity(min(matched + 1, min(a, b)), a, b)
    assert 0 <= similarity(matched, a, b) <= 1


def test_one_coincidence_is_not_copy_trading():
    a = TradeFact(1, 1, 10, "EURUSD", "buy", 1000, 60_000, 100)
    b = a._replace(trade_id=2, account_id=2, trader_id=20, open_ms=1100)
    assert detect_copy_trading([a, b]) == []


def test_a_cluster_of_three_accounts_hedging_is_one_finding():
    trades = []
    for i in range(10):
        t0 = i * 3_600_000
        trades += [
            TradeFact(3 * i, 1, 10, "EURUSD", "buy", t0, t0 + 600_000, 500),
            TradeFact(3 * i + 1, 2, 20, "EURUSD", "sell", t0 + 5_000, t0 + 600_000, -250),
            TradeFact(3 * i + 2, 3, 30, "EURUSD", "sell", t0 + 9_000, t0 + 600_000, -250),
        ]
    found = detect_group_hedging(trades, span_ms=30 * DAY_MS)  # ten hedges in a month's scan
    assert [f.account_ids for f in found] == [(1, 2, 3)]
    assert found[0].trader_ids == (10, 20, 30)


def test_many_short_trades_with_a_freak_win_rate_are_tick_scalping():
    scalps = [
        TradeFact(i, 1, 10, "EURUSD", "buy", i * 60_000, i * 60_000 + 2_000, 300) for i in range(30)
    ]
    losing = [
        t._replace(account_id=2, trader_id=20, net_cents=-300 if t.trade_id % 2 else 300)
        for t in scalps
    ]
    found = detect_tick_scalping(scalps + losing)
    assert [f.account_ids for f in found] == [(1,)]


def test_a_device_shared_by_two_traders_is_found_an_ip_of_one_trader_is_not():
    facts = [
        (10, "device", "d1"),
        (20, "device", "d1"),
        (10, "ip", "203.0.113.1"),
        (10, "ip", "203.0.113.1"),
    ]
    found = detect_shared_identity(facts, accounts_by_trader={10: (1,), 20: (2,)})
    assert [(f.trader_ids, f.account_ids, f.score) for f in found] == [((10, 20), (1, 2), 0.9)]


def _hedging_pair(rng, hedges, own):
    """Two traders' random trades plus `hedges` opposite-side pairs opened 0–40 s apart."""
    trades = _random_trades(rng, 1, 10, own, 0) + _random_trades(rng, 2, 20, own, 10_000)
    for i in range(hedges):
        t0 = rng.randrange(30 * DAY_MS)
        side = rng.choice(("buy", "sell"))
        other = "sell" if side == "buy" else "buy"
        trades += [
            TradeFact(20_000 + i, 1, 10, "XAUUSD", side, t0, t0 + 3_600_000, 100),
            TradeFact(30_000 + i, 2, 20, "XAUUSD", other, t0 + rng.randrange(40_000),
                      t0 + 3_600_000, -100),
        ]  # fmt: skip
    return trades


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), hedges=st.integers(10, 40))
def test_a_pair_hedging_a_tenth_of_its_trades_is_found_beside_heavy_honest_traders(seed, hedges):
    rng = random.Random(seed)
    trades = _hedging_pair(rng, hedges, 100)  # hedged share 10–40 %: under the old 0.3 share
    for account in range(3, 40):  # heavy honest traders: 400 trades each, chance overlaps
        trades += _random_trades(rng, account, account * 10, 400, account * 1000 + 100_000)
    found = detect_group_hedging(trades, span_ms=30 * DAY_MS)
    assert [f.account_ids for f in found] == [(1, 2)]
    assert found[0].evidence["edges"]["1-2"]["hedges"] >= hedges


def test_chance_overlaps_grow_with_activity_so_a_few_hedges_of_busy_traders_do_not_flag():
    rng = random.Random(3)
    light = _hedging_pair(rng, 8, 20)
    busy = _hedging_pair(random.Random(3), 8, 3_000)
    assert [f.account_ids for f in detect_group_hedging(light, span_ms=30 * DAY_MS)] == [(1, 2)]
    assert detect_group_hedging(busy, span_ms=30 * DAY_MS) == []
