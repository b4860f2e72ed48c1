"""Inactivity and time limit."""

from risk.engine import evaluate

from .builders import account, at, keys, rule, trade

DAY = 86_400


def test_inactivity_breach_at_last_open_plus_n_days():
    result = evaluate(
        account(
            rule("inactivity", days=30),
            trades=[trade("2026-03-05 10:00", "2026-03-05 11:00", 10)],
            as_of="2026-04-10 00:00",
        )
    )
    (breach,) = result.breaches
    assert breach.key == "inactivity"
    assert breach.ts == at("2026-03-05 10:00") + 30 * DAY
    assert breach.unit == "seconds" and breach.threshold == 30 * DAY
    assert result.first_hard_breach == breach


def test_exactly_n_days_without_a_new_position_is_not_yet_a_breach():
    opened = "2026-03-05 10:00"
    result = evaluate(
        account(
            rule("inactivity", days=30),
            trades=[trade(opened, "2026-03-05 11:00", 10)],
            as_of="2026-04-04 10:00",  # 30 × 24 h later (Prague changed to summer time)
        )
    )
    assert keys(result) == []


def test_inactivity_counts_from_the_start_without_trades():
    result = evaluate(account(rule("inactivity", days=10), as_of="2026-03-20 08:00"))
    assert [b.ts for b in result.breaches] == [at("2026-03-02 08:00") + 10 * DAY]


def test_an_old_gap_longer_than_n_days_is_found_in_a_recompute():
    result = evaluate(
        account(
            rule("inactivity", days=5),
            trades=[
                trade("2026-03-02 10:00", "2026-03-02 11:00", 10),
                trade("2026-03-12 10:00", "2026-03-12 11:00", 10),
            ],
            as_of="2026-03-13 00:00",
        )
    )
    assert [b.ts for b in result.breaches] == [at("2026-03-02 10:00") + 5 * DAY]


TARGET = rule("profit_target", percent="10")


def test_time_limit_breach_when_the_target_is_not_reached_in_n_days():
    result = evaluate(
        account(
            TARGET,
            rule("time_limit", days=30),
            trades=[trade("2026-03-05 10:00", "2026-03-05 11:00", 5_000)],
            as_of="2026-04-15 00:00",
        )
    )
    (breach,) = result.breaches
    assert breach.key == "time_limit" and breach.ts == at("2026-03-02 08:00") + 30 * DAY


def test_target_reached_within_the_time_limit_is_no_breach_even_later():
    result = evaluate(
        account(
            TARGET,
            rule("time_limit", days=30),
            trades=[trade("2026-03-05 10:00", "2026-03-05 11:00", 10_000)],
            as_of="2026-05-01 00:00",
        )
    )
    assert keys(result) == []


def test_time_limit_waits_for_its_deadline():
    result = evaluate(
        account(TARGET, rule("time_limit", days=30), trades=[], as_of="2026-03-20 00:00")
    )
    assert keys(result) == []


def test_time_limit_needs_a_profit_target_rule():
    result = evaluate(account(rule("time_limit", days=1), as_of="2026-03-20 00:00"))
    assert keys(result) == []
