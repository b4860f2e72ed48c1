"""Every eligibility reason of PRODUCT.md §3, from the pure function (no database)."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from payouts.eligibility import PayoutFacts, payout_eligibility

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

ELIGIBLE = PayoutFacts(
    as_of=START + dt.timedelta(days=15),
    account_status="funded",
    phase_kind="funded",
    kyc_status="verified",
    cycle_start=START,
    cycle_days=14,
    open_hard_violations=(),
    profit=Decimal("2500.00"),
    min_payout=Decimal("100.00"),
    split_percent=Decimal("80"),
    has_open_request=False,
)


def reasons_of(**changes) -> tuple[str, ...]:
    return payout_eligibility(replace(ELIGIBLE, **changes)).reasons


def test_all_conditions_met_makes_the_whole_profit_eligible():
    result = payout_eligibility(ELIGIBLE)

    assert result.eligible
    assert result.reasons == ()
    assert result.eligible_amount == Decimal("2500.00")
    assert result.trader_share == Decimal("2000.00")
    assert [c.code for c in result.checks] == [
        "account",
        "cycle",
        "kyc",
        "violations",
        "profit",
        "open_request",
        "review",
    ]


def test_cycle_not_elapsed_names_the_next_eligible_date():
    reasons = reasons_of(as_of=START + dt.timedelta(days=13, hours=23))

    assert reasons == ("payout cycle: next eligible 2026-12-07",)


def test_cycle_date_is_the_phase_zone_date():
    # 23:30 UTC on Dec 6 is already Dec 7 in Sydney.
    start = dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)
    reasons = reasons_of(cycle_start=start, as_of=start, tz="Australia/Sydney")

    assert reasons == ("payout cycle: next eligible 2026-12-07",)


def test_cycle_is_eligible_exactly_when_it_elapses():
    assert reasons_of(as_of=START + dt.timedelta(days=14)) == ()


@pytest.mark.parametrize("kyc", ["pending", "rejected", None])
def test_kyc_not_verified(kyc):
    assert reasons_of(kyc_status=kyc) == ("KYC not verified",)


def test_open_hard_violation_is_named():
    reasons = reasons_of(open_hard_violations=("max_daily_loss", "max_daily_loss"))

    assert reasons == ("open hard violation: max_daily_loss",)


@pytest.mark.parametrize(
    ("status", "kind"), [("failed", "funded"), ("closed", "funded"), ("active", "evaluation")]
)
def test_account_must_be_funded_and_active(status, kind):
    reasons = reasons_of(account_status=status, phase_kind=kind)

    assert reasons == (f"account is not an active funded account (status {status})",)


def test_profit_below_minimum_payout():
    reasons = reasons_of(profit=Decimal("99.99"))

    assert reasons == ("profit 99.99 below the minimum payout 100.00",)


@pytest.mark.parametrize("profit", ["0", "-350.25"])
def test_no_profit_no_payout(profit):
    result = payout_eligibility(replace(ELIGIBLE, profit=Decimal(profit), min_payout=Decimal(0)))

    assert not result.eligible
    assert result.reasons[0].startswith("no profit to pay out")
    assert result.eligible_amount == Decimal("0.00")


def test_another_open_request_blocks():
    assert reasons_of(has_open_request=True) == (
        "another payout request is already open on this account",
    )


def test_consistency_gate_fails_with_the_best_day_share():
    # Best day 46% of the cycle's net, gate at 40%.
    days = (Decimal("460.00"), Decimal("300.00"), Decimal("240.00"))
    reasons = reasons_of(consistency_percent=Decimal("40"), cycle_daily_nets=days)

    assert len(reasons) == 1
    assert reasons[0].startswith("consistency: best day 46% > 40%")


def test_consistency_worked_example_from_the_spec():
    # PRODUCT.md §2: days +1,100, +1,500, +900, −400 at 40% → not met; met once total ≥ 3,750.
    days = tuple(Decimal(d) for d in ("1100", "1500", "900", "-400"))
    failing = payout_eligibility(
        replace(ELIGIBLE, consistency_percent=Decimal("40"), cycle_daily_nets=days)
    )
    met = payout_eligibility(
        replace(
            ELIGIBLE,
            consistency_percent=Decimal("40"),
            cycle_daily_nets=(*days, Decimal("650")),  # total 3,750
        )
    )

    assert failing.reasons == (
        "consistency: best day 48% > 40% (met once the cycle's net reaches 3,750.00)",
    )
    assert met.eligible
    assert "consistency: best day 40% ≤ 40%" in [c.message for c in met.checks]


def test_consistency_without_net_profit_in_the_cycle_fails():
    reasons = reasons_of(
        consistency_percent=Decimal("40"), cycle_daily_nets=(Decimal("-10"), Decimal("5"))
    )

    assert reasons[0].startswith("consistency: no net profit in this cycle")


def test_every_failing_reason_is_reported_at_once():
    result = payout_eligibility(
        replace(
            ELIGIBLE,
            as_of=START,
            kyc_status="pending",
            open_hard_violations=("max_total_loss",),
            profit=Decimal("50"),
            has_open_request=True,
            consistency_percent=Decimal("40"),
            cycle_daily_nets=(Decimal("50"),),
        )
    )

    assert not result.eligible
    assert result.eligible_amount == Decimal("0.00")
    assert {c.code for c in result.checks if not c.ok} == {
        "cycle",
        "kyc",
        "violations",
        "profit",
        "consistency",
        "open_request",
    }


def test_profit_is_quantized_down_to_the_cent():
    result = payout_eligibility(replace(ELIGIBLE, profit=Decimal("2500.019")))

    assert result.eligible_amount == Decimal("2500.01")


def test_an_open_abuse_case_holds_the_payout_as_under_review():
    assert reasons_of(open_abuse_cases=(7,)) == ("account under review",)


def test_a_case_that_denied_payouts_refuses_them_for_good():
    assert reasons_of(payouts_denied_by=(7,), open_abuse_cases=(9,)) == (
        "payouts denied after a review",
    )
