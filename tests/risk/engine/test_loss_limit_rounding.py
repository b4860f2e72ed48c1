"""Loss limits have one rounding: `Percent.of` (nearest cent, halves away from zero). Every
floor the engine reports — and so every floor the portal, reports and emails show — is
B0 or the day's reference minus exactly that allowance."""

from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import evaluate
from risk.engine.params import Percent
from risk.engine.types import AccountIn, RuleIn

PERCENTS = ["3", "4.5", "5", "6", "8.25", "10", "12.5"]


@settings(max_examples=200, deadline=None)
@given(
    b0=st.integers(1_000_00, 2_000_000_00),
    daily=st.sampled_from(PERCENTS),
    total=st.sampled_from(PERCENTS),
)
def test_engine_floors_are_b0_minus_percent_of_with_its_rounding(b0, daily, total):
    rules = (
        RuleIn(
            "max_daily_loss",
            "hard",
            {"percent": daily, "amount_base": "initial", "reference": "balance"},
        ),
        RuleIn("max_total_loss", "hard", {"percent": total, "mode": "static"}),
    )
    result = evaluate(
        AccountIn(
            account_id=1,
            initial_balance=b0,
            started_ts=1_767_600_000,
            reset_tz="UTC",
            reset_hour=0,
            rules=rules,
            trades=(),
        )
    )
    assert result.daily_floor == b0 - Percent.parse(daily).of(b0)
    assert result.total_floor == b0 - Percent.parse(total).of(b0)


def test_a_half_cent_allowance_rounds_away_from_zero():
    # 4.5% of $100,000.10 is $4,500.0045 → $4,500.00; 5% of $100,000.10 is $5,000.005 → $5,000.01
    assert Percent.parse("4.5").of(10_000_010) == 450_000
    assert Percent.parse("5").of(10_000_010) == 500_001
