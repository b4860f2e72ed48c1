"""Objectives: profit target, minimum trading days, consistency (objective and payout gate)."""

from risk.engine import evaluate

from .builders import account, at, rule, trade, usd

TARGET = rule("profit_target", percent="10")


def objective(result, code):
    (found,) = [o for o in result.objectives if o.code == code]
    return found


def test_profit_target_met_at_exactly_the_target_balance():
    result = evaluate(
        account(TARGET, trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", 10_000)])
    )
    target = objective(result, "profit_target")
    assert target.met and (target.current, target.target, target.unit) == (
        usd(10_000),
        usd(10_000),
        "cents",
    )
    assert target.details["reached_ts"] == at("2026-03-02 10:00")
    assert result.objectives_met


def test_profit_target_one_cent_short_is_not_met():
    result = evaluate(
        account(TARGET, trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", "9999.99")])
    )
    assert not objective(result, "profit_target").met
    assert not result.objectives_met


def test_profit_target_counts_only_once_no_position_is_open():
    result = evaluate(
        account(
            TARGET,
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 12:00", 10_000),
                trade("2026-03-02 11:00", "2026-03-02 14:00", 100),
            ],
        )
    )
    assert objective(result, "profit_target").details["reached_ts"] == at("2026-03-02 14:00")


def test_profit_target_ignores_deposits():
    from .builders import balance_op

    result = evaluate(
        account(
            TARGET,
            trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", 5_000)],
            ops=[balance_op("2026-03-02 11:00", 5_000, "deposit")],
        )
    )
    assert result.balance == usd(110_000)
    assert not objective(result, "profit_target").met


def test_min_trading_days_counts_distinct_days_with_a_position_opened():
    result = evaluate(
        account(
            rule("min_trading_days", days=4),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", 10),
                trade("2026-03-02 11:00", "2026-03-03 10:00", 10),  # opened Monday only
                trade("2026-03-04 09:00", "2026-03-04 10:00", 10),
                trade("2026-03-05 09:00", "2026-03-05 10:00", 10),
            ],
        )
    )
    days = objective(result, "min_trading_days")
    assert (days.met, days.current, days.target, days.unit) == (False, 3, 4, "days")
    assert result.trading_days == 3


def test_target_and_min_days_together_pass_only_when_both_are_met():
    trades = [
        trade(f"2026-03-0{d} 09:00", f"2026-03-0{d} 10:00", 2_500, id=100 + d) for d in (2, 3, 4, 5)
    ]
    four_days = evaluate(account(TARGET, rule("min_trading_days", days=4), trades=trades))
    five_days = evaluate(account(TARGET, rule("min_trading_days", days=5), trades=trades))
    assert four_days.objectives_met
    assert not five_days.objectives_met


def consistency_days(*nets, applies_to="objective", **extra):
    trades = [
        trade(f"2026-03-{2 + i:02d} 09:00", f"2026-03-{2 + i:02d} 10:00", net, id=200 + i)
        for i, net in enumerate(nets)
    ]
    return account(
        rule("consistency", "soft", percent="40", applies_to=applies_to), trades=trades, **extra
    )


def test_consistency_40_percent_not_met_then_met_at_3750():
    result = evaluate(consistency_days(1_100, 1_500, 900, -400))
    rule_progress = objective(result, "consistency")
    assert not rule_progress.met
    assert rule_progress.details == {
        "best_day_net": usd(1_500),
        "total_net": usd(3_100),
        "needed_total": usd(3_750),
    }
    assert (rule_progress.current, rule_progress.target, rule_progress.unit) == (
        4839,
        4000,
        "percent_bp",
    )
    assert "met once total ≥ $3,750.00" in rule_progress.detail
    assert result.breaches == []  # failing consistency is never a breach

    met = objective(evaluate(consistency_days(1_100, 1_500, 900, -400, 650)), "consistency")
    assert met.met and met.current == 4000


def test_consistency_without_a_profit_is_not_met():
    progress = objective(evaluate(consistency_days(-100, -200)), "consistency")
    assert not progress.met
    assert "a profit is needed first" in progress.detail


def test_consistency_as_payout_gate_counts_the_cycle_and_is_not_a_pass_objective():
    result = evaluate(
        consistency_days(
            5_000,
            1_000,
            1_000,
            1_000,
            applies_to="payout",
            payout_cycle_start_ts=at("2026-03-03 00:00"),
        )
    )
    gate = objective(result, "consistency")
    assert gate.applies_to == "payout"
    assert gate.met  # the 5,000 day is before the cycle; 1,000 of 3,000 is 33%
    assert gate.details["total_net"] == usd(3_000)
    assert not result.objectives_met  # a payout gate alone never passes a phase
