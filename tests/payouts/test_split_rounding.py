"""The trader's share is rounded down to the cent: never above profit × split, never negative."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import DecimalField, Value
from django.db.models.sql import Query
from hypothesis import example, given, settings
from hypothesis import strategies as st

from payouts.eligibility import to_cents_down, trader_share
from payouts.selectors import MONEY_FIELD, trader_share_expression

SPLIT_FIELD = DecimalField(max_digits=5, decimal_places=2)  # Phase.profit_split

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


# --- the SQL twin (reports' payout liability) against the one Python definition -----------

money = st.decimals(
    min_value=Decimal("-100000.00"), max_value=Decimal("9999999999.99"), places=2, allow_nan=False
)
pairs = st.lists(st.tuples(money, splits), min_size=1, max_size=20)


def _shares_in_postgresql(pairs: list[tuple[Decimal, Decimal]]) -> list[Decimal]:
    """`trader_share_expression` evaluated by PostgreSQL for each (amount, split), one query."""
    query = Query(None)
    compiler = query.get_compiler(connection=connection)
    columns, params = [], []
    for amount, split in pairs:
        expression = trader_share_expression(
            Value(amount, output_field=MONEY_FIELD), Value(split, output_field=SPLIT_FIELD)
        ).resolve_expression(query)
        sql, expression_params = expression.as_sql(compiler, connection)
        columns.append(sql)
        params.extend(expression_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)  # noqa: S608
        return list(cursor.fetchone())


@pytest.mark.django_db
@settings(max_examples=150, deadline=None)
@given(pairs=pairs)
@example(pairs=[(Decimal("1.25"), Decimal("50"))])  # 0.625: a half cent, rounded down
@example(pairs=[(Decimal("2.01"), Decimal("75"))])  # 1.5075
@example(pairs=[(Decimal("1234.57"), Decimal("85"))])  # 1049.3845
@example(pairs=[(Decimal("0.03"), Decimal("33.33"))])  # 0.009999
@example(pairs=[(Decimal("-0.01"), Decimal("80")), (Decimal("0"), Decimal("80"))])
@example(pairs=[(Decimal("9999999999.99"), Decimal("99.99")), (Decimal("10.10"), Decimal("100"))])
def test_the_sql_share_equals_trader_share_to_the_cent(pairs):
    assert connection.vendor == "postgresql"
    assert _shares_in_postgresql(pairs) == [trader_share(a, s) for a, s in pairs]
