"""The trader's share is rounded down to the cent: never above profit × split, never negative."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from payouts.eligibility import to_cents_down, trader_share

amounts = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("100000000"), places=4, allow_nan=False
)
splits = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2, allow_nan=False)


@given(amount=amounts, split=splits)
def test_share_never_exceeds_profit_times_split_and_is_never_negative(amount, split):
    share = trader_share(amount, split)

    assert share >= 0
    assert share <= max(amount, Decimal(0)) * split / 100
    assert share == share.quantize(Decimal("0.01"))


@given(amount=amounts.filter(lambda a: a > 0), split=splits)
def test_share_loses_less_than_a_cent(amount, split):
    assert amount * split / 100 - trader_share(amount, split) < Decimal("0.01")


@given(amount=amounts)
def test_quantizing_money_never_rounds_up(amount):
    cents = to_cents_down(amount)

    assert abs(cents) <= abs(amount)
    assert abs(amount - cents) < Decimal("0.01")


def test_worked_examples():
    assert trader_share(Decimal("2500.00"), Decimal("80")) == Decimal("2000.00")
    assert trader_share(Decimal("0.01"), Decimal("80")) == Decimal("0.00")
    assert trader_share(Decimal("1234.57"), Decimal("85")) == Decimal("1049.38")  # 1049.3845
    assert trader_share(Decimal("-10"), Decimal("80")) == Decimal("0.00")
