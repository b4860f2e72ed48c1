"""Minimum holding time (HFT share), max trades per day, lot consistency, martingale and
minimum profitable days: the worked examples of docs/rules.md and prefix properties."""

from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import evaluate

from .builders import account, at, keys, lots, rule, trade, usd


def test_hft_share_3_of_4_trades_under_60_seconds_breaks_50_percent_at_the_4th_close():
    trades = [
        trade("2026-03-02 09:00:00", "2026-03-02 09:00:30", 10, id=1),
        trade("2026-03-02 09:10:00", "2026-03-02 09:12:00", 10, id=2),
        trade("2026-03-02 09:20:00", "2026-03-02 09:20:45", 10, id=3),
        trade("2026-03-02 09:30:00", "2026-03-02 09:30:10", 10, id=4),
    ]
    result = evaluate(
        account(
            rule("min_holding_time", "soft", seconds=60, percent=50, min_trades=4),
            trades=trades,
        )
    )
    (breach,) = result.breaches
    assert breach.key == "min_holding_time" and breach.severity == "soft"
    assert breach.ts == at("2026-03-02 09:30:10")
    assert breach.trade_ids == (1, 3, 4)
    assert (breach.threshold, breach.observed, breach.unit) == (5000, 7500, "percent_bp")
    assert breach.message == ("3 of 4 trades came from positions held under 60 seconds, above 50%.")


def test_hft_share_of_exactly_half_is_not_a_breach():
    trades = [
        trade("2026-03-02 09:00:00", "2026-03-02 09:00:30", 10),
        trade("2026-03-02 09:10:00", "2026-03-02 09:12:00", 10),
    ]
    result = evaluate(
        account(rule("min_holding_time", seconds=60, percent=50, min_trades=2), trades=trades)
    )
    assert result.breaches == []


def test_hft_share_of_profit():
    trades = [
        trade("2026-03-02 09:00:00", "2026-03-02 09:00:30", 600, id=11),
        trade("2026-03-02 09:10:00", "2026-03-02 10:00:00", 400, id=12),
        trade("2026-03-02 10:10:00", "2026-03-02 11:00:00", -300, id=13),
    ]
    result = evaluate(
        account(
            rule("min_holding_time", seconds=60, percent=50, measure="profit", min_trades=2),
            trades=trades,
        )
    )
    (breach,) = result.breaches
    assert breach.ts == at("2026-03-02 10:00:00")  # $600 of $1,000 profit: 60%
    assert breach.message.startswith("$600.00 of $1,000.00 profit came from positions held")


def test_max_trades_per_day_breaks_at_the_4th_opening_of_a_day():
    trades = [trade(f"2026-03-02 09:0{i}", "2026-03-02 12:00", 1, id=20 + i) for i in range(4)]
    trades.append(trade("2026-03-03 09:00", "2026-03-03 10:00", 1, id=30))
    result = evaluate(account(rule("max_trades_per_day", trades=3), trades=trades))
    (breach,) = result.breaches
    assert breach.key == "max_trades_per_day:2026-03-02"
    assert breach.ts == at("2026-03-02 09:03") and breach.trade_ids == (20, 21, 22, 23)
    assert breach.message == (
        "Trade #T23 was position 4 opened on trading day 2026-03-02, above the limit of 3 a day."
    )


def test_lot_consistency_2x_average_of_1_lot_breaks_at_2_5_lots():
    trades = [
        trade(f"2026-03-02 09:0{i}", f"2026-03-02 10:0{i}", 1, id=40 + i, volume=v)
        for i, v in enumerate(["1", "1", "1", "2.5", "2"])
    ]
    result = evaluate(account(rule("lot_consistency", multiple=2, min_trades=3), trades=trades))
    assert keys(result) == ["lot_consistency:trade:43"]
    (breach,) = result.breaches
    assert (breach.threshold, breach.observed) == (lots(2), lots("2.5"))
    assert breach.message == (
        "Trade #T43 opened 2.5 lots of EURUSD, above 2 × the average 1 lots of the 3 "
        "positions before it."
    )


def _buy(opened, volume, price, id):
    return trade(
        opened, "2026-03-02 12:00", -10, id=id, volume=volume, open_price=price,
        close_price="1.08",
    )  # fmt: skip


def test_martingale_two_larger_additions_to_a_losing_buy():
    trades = [
        _buy("2026-03-02 09:00", "1", "1.1000", 50),
        _buy("2026-03-02 10:00", "2", "1.0950", 51),
        _buy("2026-03-02 11:00", "4", "1.0900", 52),
    ]
    result = evaluate(account(rule("martingale", times=2), trades=trades))
    (breach,) = result.breaches
    assert breach.key == "martingale:trade:50" and breach.trade_ids == (50, 51, 52)
    assert breach.ts == at("2026-03-02 11:00")
    assert breach.message == (
        "EURUSD buy positions were added to a losing position with a larger size 2 times in a "
        "row (lots 1 → 2 → 4), from trade #T50."
    )


def test_adding_at_a_better_price_or_same_size_is_not_martingale():
    trades = [
        _buy("2026-03-02 09:00", "1", "1.1000", 60),
        _buy("2026-03-02 10:00", "2", "1.1050", 61),  # price above: the first one is winning
        _buy("2026-03-02 11:00", "2", "1.0900", 62),  # same size as the one before
    ]
    assert evaluate(account(rule("martingale", times=1), trades=trades)).breaches == []


def test_min_profitable_days_3_days_of_at_least_500_on_100k():
    trades = [
        trade("2026-03-02 09:00", "2026-03-02 10:00", 600),
        trade("2026-03-03 09:00", "2026-03-03 10:00", 500),
        trade("2026-03-04 09:00", "2026-03-04 10:00", "499.99"),
        trade("2026-03-05 09:00", "2026-03-05 10:00", 800),
    ]
    result = evaluate(
        account(rule("min_profitable_days", "soft", days=3, percent="0.5"), trades=trades)
    )
    (progress,) = result.objectives
    assert (progress.met, progress.current, progress.target) == (True, 3, 3)
    assert progress.details["min_day_net"] == usd(500)
    assert progress.detail == "3 of 3 days with a net of at least $500.00."
    assert result.objectives_met


trade_lists = st.lists(
    st.tuples(
        st.integers(0, 3000),  # open minute
        st.integers(0, 300),  # held minutes
        st.integers(1, 50),  # volume / 10 lots
        st.integers(-500, 500),  # net dollars
        st.integers(10_000, 12_000),  # open price / 10,000
        st.sampled_from(["buy", "sell"]),
    ),
    min_size=1,
    max_size=25,
)


def _made(rows):
    base = at("2026-03-02 08:00")
    out = []
    for i, (o, held, vol, net, price, side) in enumerate(rows):
        t = trade("2026-03-02 09:00", "2026-03-02 10:00", net, id=i + 1, side=side)
        out.append(
            t.__class__(
                **{
                    **{n: getattr(t, n) for n in t.__slots__},
                    "open_ts": base + o * 60,
                    "close_ts": base + (o + held) * 60 + 1,
                    "volume": vol * 1000,
                    "open_price": price * 10_000,
                    "close_price": price * 10_000,
                }
            )
        )
    return out


STYLE_RULES = (
    rule("max_trades_per_day", trades=2),
    rule("lot_consistency", multiple="1.5", min_trades=2),
    rule("martingale", times=1),
)


@settings(max_examples=60, deadline=None)
@given(trade_lists, st.integers(0, 3000))
def test_property_later_trades_never_move_or_remove_an_earlier_breach(rows, cut_minute):
    """These rules judge positions in the order they opened: the trades opened before an
    instant give exactly the breaches before that instant, whatever is opened later."""
    trades = _made(rows)
    cut = at("2026-03-02 08:00") + cut_minute * 60
    early = [t for t in trades if t.open_ts < cut]
    full = evaluate(account(*STYLE_RULES, trades=trades)).breaches
    part = evaluate(account(*STYLE_RULES, trades=early)).breaches
    assert [(b.key, b.ts) for b in full if b.ts < cut] == [(b.key, b.ts) for b in part]
