"""Firm-wide hedging scan across accounts."""

from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import scan_hedging
from risk.engine.types import TradeIn


def t(id, opened, side, symbol="EURUSD"):
    return TradeIn(id, f"T{id}", symbol, side, 10_000, opened, opened + 600, 0)


def test_opposite_positions_on_two_traders_accounts_within_n_seconds_are_flagged_on_both():
    found = scan_hedging({1: (10, (t(1, 1000, "buy"),)), 2: (20, (t(2, 1030, "sell"),))}, 60)
    (a,) = found[1]
    (b,) = found[2]
    assert a.key == "hedging:trade:1:with:2" and b.key == "hedging:trade:2:with:1"
    assert a.observed == 30 and a.threshold == 60 and a.severity == "soft"
    assert a.ts == 1030 and a.details["other_account_id"] == 2
    assert not a.details["same_trader"]


def test_one_trader_hedging_across_own_accounts_is_flagged_as_such():
    found = scan_hedging({1: (10, (t(1, 1000, "buy"),)), 2: (10, (t(2, 1000, "sell"),))}, 0)
    assert found[1][0].details["same_trader"]
    assert "another account of the same trader" in found[1][0].message


def test_no_hedge_same_side_same_account_other_symbol_or_too_far_apart():
    assert scan_hedging({1: (1, (t(1, 0, "buy"),)), 2: (2, (t(2, 5, "buy"),))}, 60) == {}
    assert scan_hedging({1: (1, (t(1, 0, "buy"), t(2, 5, "sell")))}, 60) == {}
    assert scan_hedging({1: (1, (t(1, 0, "buy"),)), 2: (2, (t(2, 5, "sell", "GBPUSD"),))}, 60) == {}
    assert scan_hedging({1: (1, (t(1, 0, "buy"),)), 2: (2, (t(2, 61, "sell"),))}, 60) == {}
    assert scan_hedging({1: (1, (t(1, 0, "buy"),)), 2: (2, (t(2, 60, "sell"),))}, 60) != {}


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 4),
            st.integers(0, 300),
            st.sampled_from(["buy", "sell"]),
            st.sampled_from(["EURUSD", "eurusd", "NAS100"]),
        ),
        max_size=30,
    ),
    seconds=st.integers(0, 90),
)
def test_hedging_scan_finds_exactly_the_pairs_a_brute_force_finds(rows, seconds):
    accounts: dict[int, list[TradeIn]] = {}
    for i, (acc, opened, side, symbol) in enumerate(rows):
        accounts.setdefault(acc, []).append(t(i + 1, opened, side, symbol))
    found = scan_hedging({a: (a % 2, tuple(ts)) for a, ts in accounts.items()}, seconds)
    got = {(a, b.key) for a, breaches in found.items() for b in breaches}
    expected = set()
    for a, trades_a in accounts.items():
        for b, trades_b in accounts.items():
            if a == b:
                continue
            for x in trades_a:
                for y in trades_b:
                    if (
                        x.symbol.upper() == y.symbol.upper()
                        and x.side != y.side
                        and abs(x.open_ts - y.open_ts) <= seconds
                    ):
                        expected.add((a, f"hedging:trade:{x.id}:with:{y.id}"))
    assert got == expected
