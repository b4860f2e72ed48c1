"""Max position size and max open volume."""

from risk.engine import evaluate

from .builders import account, at, keys, lots, rule, trade


def test_position_above_the_max_is_a_breach_per_trade_with_the_trade_as_evidence():
    big = trade("2026-03-02 09:00", "2026-03-02 10:00", 10, volume="5.01", id=7)
    result = evaluate(
        account(
            rule("max_position_size", max_volume="5"),
            trades=[big, trade("2026-03-02 11:00", "2026-03-02 12:00", 10, volume="5", id=8)],
        )
    )
    (breach,) = result.breaches
    assert breach.key == "max_position_size:trade:7"
    assert (breach.threshold, breach.observed, breach.unit) == (lots(5), lots("5.01"), "volume")
    assert breach.trade_ids == (7,) and breach.ts == big.open_ts
    assert breach.message == "Trade #T7 opened 5.01 lots of EURUSD, above the 5 lot limit."


def test_position_size_severity_comes_from_the_rule():
    result = evaluate(
        account(
            rule("max_position_size", "soft", max_volume="1"),
            trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", 10, volume="2")],
        )
    )
    assert [b.severity for b in result.breaches] == ["soft"]
    assert result.first_hard_breach is None


def test_open_volume_above_the_max_while_positions_overlap():
    result = evaluate(
        account(
            rule("max_open_volume", max_volume="5"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 12:00", 10, volume="3", id=1),
                trade("2026-03-02 10:00", "2026-03-02 11:00", 10, volume="2.5", id=2),
            ],
        )
    )
    (breach,) = result.breaches
    assert breach.key == "max_open_volume:trade:2"
    assert breach.observed == lots("5.5") and breach.ts == at("2026-03-02 10:00")
    assert breach.trade_ids == (1, 2)


def test_open_volume_equal_to_the_max_and_back_to_back_positions_are_fine():
    result = evaluate(
        account(
            rule("max_open_volume", max_volume="5"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 12:00", 10, volume="3"),
                trade("2026-03-02 10:00", "2026-03-02 11:00", 10, volume="2"),
                trade("2026-03-02 12:00", "2026-03-02 13:00", 10, volume="3"),  # opens as #1 closes
            ],
        )
    )
    assert keys(result) == []


def test_each_new_crossing_of_the_open_volume_limit_is_its_own_breach():
    result = evaluate(
        account(
            rule("max_open_volume", max_volume="1"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", 10, id=11),
                trade("2026-03-02 09:30", "2026-03-02 10:00", 10, id=12),
                trade("2026-03-02 09:40", "2026-03-02 10:00", 10, id=13),  # still above: same
                trade("2026-03-03 09:00", "2026-03-03 10:00", 10, id=14),
                trade("2026-03-03 09:30", "2026-03-03 10:00", 10, id=15),
            ],
        )
    )
    assert keys(result) == ["max_open_volume:trade:12", "max_open_volume:trade:15"]
