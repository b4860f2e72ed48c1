"""Program funnel figures against the hand-computed small firm (tests/reports/conftest.py)."""

import datetime as dt
from decimal import Decimal as D

from reports import selectors
from reports.selectors import ReportFilter

FEB_MAR = ReportFilter(dt.date(2026, 2, 1), dt.date(2026, 3, 31))
MARCH = ReportFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _cohorts(flt):
    return {(r["program_name"], r["month"]): r for r in selectors.program_funnel(flt)}


def test_two_step_march_cohort_funnel_and_pass_rates(firm):
    row = _cohorts(FEB_MAR)["Two-Step", dt.date(2026, 3, 1)]

    assert (row["started"], row["passed_1"], row["passed_2"], row["funded"], row["paid_out"]) == (
        4,
        2,
        1,
        1,
        1,
    )
    assert row["pass_rate_1"] == D("66.67")  # 2 passed / (2 passed + 1 failed); a4 still trading
    assert row["pass_rate_2"] == D("50.00")  # a2 passed, a3 failed
    assert row["funded_rate"] == D("25.00")  # 1 of 4 started


def test_one_step_programs_have_no_second_phase_in_the_funnel(firm):
    row = _cohorts(FEB_MAR)["One-Step", dt.date(2026, 3, 1)]

    assert (row["started"], row["passed_1"], row["funded"], row["paid_out"]) == (3, 2, 2, 0)
    assert row["passed_2"] is None and row["pass_rate_2"] is None
    assert row["pass_rate_1"] == D("66.67")


def test_cohorts_are_split_by_the_month_the_first_phase_started(firm):
    cohorts = _cohorts(FEB_MAR)
    feb = cohorts["Two-Step", dt.date(2026, 2, 1)]
    assert (feb["started"], feb["passed_1"], feb["pass_rate_1"]) == (1, 1, D("100.00"))
    assert feb["pass_rate_2"] is None  # its phase 2 is still trading: nothing decided yet
    assert ("Two-Step", dt.date(2026, 2, 1)) not in _cohorts(MARCH)


def test_funnel_totals_add_up_the_cohorts_of_a_program(firm):
    totals = {
        t["program_name"]: t for t in selectors.funnel_totals(selectors.program_funnel(FEB_MAR))
    }
    assert totals["Two-Step"]["started"] == 5
    assert totals["Two-Step"]["passed_1"] == 3
    assert totals["One-Step"]["passed_2"] is None


def test_the_rule_that_fails_most_traders_comes_first(firm):
    rows = list(selectors.failing_rules(MARCH))

    assert [(r["rule_code"], r["program_name"], r["traders"]) for r in rows] == [
        ("max_daily_loss", "One-Step", 1),
        ("max_daily_loss", "Two-Step", 1),
        ("max_total_loss", "Two-Step", 1),
    ]  # soft violations never fail an account, so news_trading is absent


def test_average_days_to_pass_per_program_and_phase(firm):
    rows = {(r["program_name"], r["phase_name"]): r for r in selectors.days_to_pass(MARCH)}

    assert rows["Two-Step", "Phase 1"]["average_days"] == D("5.0")  # (4 + 6) / 2
    assert rows["Two-Step", "Phase 1"]["passed"] == 2  # a5 passed in February: out of range
    assert rows["Two-Step", "Phase 2"]["average_days"] == D("10.0")
    assert rows["One-Step", "Phase 1"]["average_days"] == D("7.5")  # (10 + 5) / 2


def test_program_filter_keeps_one_program(firm):
    flt = ReportFilter(FEB_MAR.start, FEB_MAR.end, firm.one_step.pk)
    assert {r["program_name"] for r in selectors.program_funnel(flt)} == {"One-Step"}
    assert {r["program_name"] for r in selectors.failing_rules(flt)} == {"One-Step"}
