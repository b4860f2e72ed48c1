"""The statistics' definitions (portal.statistics): worked examples and properties."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from portal.month_calendar import month_calendar, parse_month
from portal.statistics import TradeGroup, format_duration, streaks, trade_statistics


def group(symbol, side, nets, lots="1", holding=300):
    nets = [Decimal(n) for n in nets]
    return TradeGroup(
        symbol=symbol,
        side=side,
        trades=len(nets),
        wins=sum(1 for n in nets if n > 0),
        losses=sum(1 for n in nets if n < 0),
        lots=Decimal(lots),
        net=sum(nets, Decimal("0.00")),
        gross_profit=sum((n for n in nets if n > 0), Decimal("0.00")),
        gross_loss=-sum((n for n in nets if n < 0), Decimal("0.00")),
        holding_seconds=holding * len(nets),
    )


def test_worked_example_expectancy_ratio_streaks_and_splits():
    # wins 420.50, 610.00, 515.75, 300.00, 250.00; losses 130.25, 220.00, 80.10
    groups = [
        group("EURUSD", "buy", ["420.50", "-220.00", "300.00"], lots="0.75"),
        group("US30", "buy", ["610.00", "250.00"], lots="3"),
        group("XAUUSD", "sell", ["-130.25", "515.75", "-80.10"], lots="4.5"),
    ]
    stats = trade_statistics(groups, [1, -1, 1, -1, 1, 1, -1, 1])
    total = stats.total
    assert (total.trades, total.wins, total.losses, total.breakevens) == (8, 5, 3, 0)
    assert total.net == Decimal("1665.90")
    assert total.expectancy == Decimal("208.24")  # 1665.90 / 8 = 208.2375
    assert total.average_win == Decimal("419.25")  # 2096.25 / 5
    assert total.average_loss == Decimal("143.45")  # 430.35 / 3
    assert total.win_loss_ratio == Decimal("2.92")  # 419.25 / 143.45 = 2.9226…
    assert total.win_rate == Decimal("62.5")
    assert total.average_holding == dt.timedelta(minutes=5)
    assert (stats.streaks.longest_wins, stats.streaks.longest_losses) == (2, 1)
    assert (stats.long.trades, stats.long.net) == (5, Decimal("1360.50"))
    assert (stats.short.trades, stats.short.net) == (3, Decimal("305.40"))
    assert [(s.label, s.net) for s in stats.symbols] == [
        ("EURUSD", Decimal("500.50")),
        ("XAUUSD", Decimal("305.40")),
        ("US30", Decimal("860.00")),
    ]


def test_no_trades_and_no_losses_give_no_ratio():
    stats = trade_statistics([], [])
    assert stats.total.expectancy is None and stats.total.average_holding is None
    only_wins = trade_statistics([group("EURUSD", "buy", ["10.00", "5.00"])], [1, 1])
    assert only_wins.total.win_loss_ratio is None
    assert only_wins.streaks.current == 2


def test_a_breakeven_ends_a_streak():
    assert streaks([1, 1, 0, 1, -1, -1, -1, 0]) == streaks([1, 1, 0, 1, -1, -1, -1, 0])
    found = streaks([1, 1, 0, 1, -1, -1, -1, 0])
    assert (found.longest_wins, found.longest_losses, found.current) == (2, 3, 0)
    assert streaks([-1, -1]).current == -2


def test_holding_time_wording():
    assert format_duration(dt.timedelta(seconds=250)) == "4 min 10 s"
    assert format_duration(dt.timedelta(hours=3, minutes=5)) == "3 h 05 min"
    assert format_duration(dt.timedelta(days=2, hours=3)) == "2 d 3 h"
    assert format_duration(None) == "—"


money = st.decimals(min_value=-5000, max_value=5000, places=2)
trades = st.lists(
    st.tuples(
        st.sampled_from(["EURUSD", "XAUUSD", "US30"]), st.sampled_from(["buy", "sell"]), money
    ),
    max_size=40,
)


@given(trades)
def test_properties_of_the_splits_and_counts(rows):
    keys = sorted({(s, side) for s, side, _ in rows})
    groups = [
        group(s, side, [n for s2, d2, n in rows if (s2, d2) == (s, side)]) for s, side in keys
    ]
    outcomes = [(n > 0) - (n < 0) for _, _, n in rows]
    stats = trade_statistics(groups, outcomes)
    total = stats.total
    assert total.wins + total.losses + total.breakevens == total.trades == len(rows)
    assert stats.long.trades + stats.short.trades == total.trades
    assert stats.long.net + stats.short.net == total.net
    assert sum(s.trades for s in stats.symbols) == total.trades
    assert sum((s.net for s in stats.symbols), Decimal(0)) == total.net
    assert total.net == sum((n for _, _, n in rows), Decimal(0))
    if total.trades:
        assert abs(total.expectancy * total.trades - total.net) <= Decimal("0.005") * total.trades
    assert 0 <= stats.streaks.longest_wins <= total.wins
    assert 0 <= stats.streaks.longest_losses <= total.losses
    assert (stats.streaks.longest_wins > 0) == (total.wins > 0)


def test_month_calendar_places_results_and_links_only_months_with_trading():
    results = {dt.date(2026, 3, 2): Decimal("900.25"), dt.date(2026, 3, 4): Decimal("-10.00")}
    grid = month_calendar(dt.date(2026, 3, 15), results, dt.date(2026, 3, 2), dt.date(2026, 3, 4))
    assert grid.month == dt.date(2026, 3, 1)
    first_week = grid.weeks[0]
    assert first_week[6].day == dt.date(2026, 3, 1)  # 1 March 2026 is a Sunday
    assert first_week[0].day is None  # 23 February belongs to the previous month
    assert grid.weeks[1][0].net == Decimal("900.25")
    assert grid.net == Decimal("890.25")
    assert grid.previous is None and grid.next is None
    later = month_calendar(dt.date(2026, 4, 1), results, dt.date(2026, 3, 2), dt.date(2026, 5, 4))
    assert later.previous == dt.date(2026, 3, 1) and later.next == dt.date(2026, 5, 1)
    assert parse_month("2026-02", dt.date(2026, 3, 9)) == dt.date(2026, 2, 1)
    assert parse_month("junk", dt.date(2026, 3, 9)) == dt.date(2026, 3, 1)
    assert parse_month("2026-13", dt.date(2026, 3, 9)) == dt.date(2026, 3, 1)
