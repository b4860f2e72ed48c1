"""Max loss per trade, stop-loss required and all-in trades: the worked examples of
docs/rules.md, to the cent, and properties over random trades."""

from hypothesis import given
from hypothesis import strategies as st

from risk.engine import evaluate
from risk.engine.rules.trade_risk import loss_at_stop

from .builders import account, keys, rule, trade, usd


def test_max_loss_per_trade_1_percent_of_100k_breaks_at_1000_01_not_at_1000():
    result = evaluate(
        account(
            rule("max_loss_per_trade", percent="1"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", "-1000", id=1),
                trade("2026-03-02 11:00", "2026-03-02 12:00", "-1000.01", id=2),
            ],
        )
    )
    (breach,) = result.breaches
    assert breach.key == "max_loss_per_trade:trade:2"
    assert (breach.threshold, breach.observed) == (usd(1000), usd("1000.01"))
    assert breach.message == (
        "Trade #T2 (EURUSD) lost $1,000.01, above the $1,000.00 limit per trade "
        "(1% of $100,000.00)."
    )
    assert result.first_hard_breach == breach


def test_max_loss_per_trade_fixed_amount():
    result = evaluate(
        account(
            rule("max_loss_per_trade", amount="250"),
            trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", "-250.01", id=3)],
        )
    )
    assert keys(result) == ["max_loss_per_trade:trade:3"]
    assert result.breaches[0].threshold == usd(250)


def test_stop_loss_required_flags_none_set_but_not_unknown():
    result = evaluate(
        account(
            rule("stop_loss_required", "soft"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", 5, id=4, stop_loss="0"),
                trade("2026-03-02 09:00", "2026-03-02 10:00", 5, id=5, stop_loss="1.09"),
                trade("2026-03-02 09:00", "2026-03-02 10:00", 5, id=6),  # no S/L column
            ],
        )
    )
    assert keys(result) == ["stop_loss_required:trade:4"]
    assert result.breaches[0].message == "Trade #T4 (EURUSD) was opened without a stop-loss."
    assert result.first_hard_breach is None


def _eurusd(stop, id=7):
    # 1 lot bought at 1.10000, closed at 1.09500 for −$500: $100,000 per price unit.
    return trade(
        "2026-03-02 09:00",
        "2026-03-02 10:00",
        "-500",
        id=id,
        open_price="1.10000",
        close_price="1.09500",
        stop_loss=stop,
    )


def test_all_in_loss_at_stop_2100_above_2_percent_of_100k():
    result = evaluate(account(rule("all_in", percent="2"), trades=[_eurusd("1.07900")]))
    (breach,) = result.breaches
    assert (breach.threshold, breach.observed) == (usd(2000), usd(2100))
    assert breach.message == (
        "Trade #T7 (EURUSD) risked $2,100.00 at its stop-loss, above 2% of the "
        "$100,000.00 balance ($2,000.00)."
    )


def test_all_in_loss_at_stop_exactly_2000_is_not_a_breach():
    assert (
        evaluate(account(rule("all_in", percent="2"), trades=[_eurusd("1.08000")])).breaches == []
    )


def test_all_in_without_a_stop_risks_the_room_to_the_daily_limit():
    result = evaluate(
        account(
            rule("all_in", percent="2"),
            rule("max_daily_loss", percent="5"),
            trades=[_eurusd("0", id=8)],
        )
    )
    (breach,) = [b for b in result.breaches if b.code == "all_in"]
    assert breach.observed == usd(5000)
    assert "at the daily loss limit $95,000.00" in breach.message


def test_all_in_without_a_stop_and_without_a_daily_rule_is_not_judged():
    assert evaluate(account(rule("all_in", percent="2"), trades=[_eurusd("0")])).breaches == []


cents = st.integers(-(10**7), 10**7)


@given(st.lists(cents, min_size=1, max_size=30), st.integers(1, 10**6))
def test_property_max_loss_breaches_exactly_the_trades_losing_more_than_the_limit(nets, limit):
    made = [
        trade("2026-03-02 09:00", f"2026-03-02 10:{i:02d}", 0, id=i + 1) for i in range(len(nets))
    ]
    made = [t.__class__(**{**_fields(t), "net": n}) for t, n in zip(made, nets, strict=True)]
    result = evaluate(account(rule("max_loss_per_trade", amount=f"{limit / 100:.2f}"), trades=made))
    assert sorted(b.trade_ids[0] for b in result.breaches) == sorted(
        t.id for t in made if -t.net > limit
    )


def _fields(t):
    return {name: getattr(t, name) for name in t.__slots__}


@given(
    st.integers(-(10**6), 10**6).filter(bool),
    st.integers(1, 10**6),
    st.integers(1, 10**6),
    st.integers(1, 10**6),
)
def test_property_loss_at_stop_is_the_price_move_to_the_stop_times_the_value_per_unit(
    move, open_price, stop_distance, value
):
    """profit = move × value; loss at the stop = (open − stop) × value, exactly."""
    base = trade("2026-03-02 09:00", "2026-03-02 10:00", 0)
    t = base.__class__(
        **{
            **_fields(base),
            "open_price": open_price + 2 * 10**6,
            "close_price": open_price + 2 * 10**6 + move,
            "stop_loss": open_price + 2 * 10**6 - stop_distance,
            "profit": move * value,
        }
    )
    assert loss_at_stop(t) == stop_distance * value
