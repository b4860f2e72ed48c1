"""Max daily loss: PRODUCT.md §2 worked examples and every parameter variant."""

from risk.engine import evaluate

from .builders import account, at, balance_op, keys, rule, snapshot, trade, usd

FTMO = rule("max_daily_loss", percent="5", amount_base="initial", reference="balance")


def test_ftmo_daily_loss_200k_room_left():
    result = evaluate(
        account(
            FTMO,
            b0=200_000,
            trades=[trade("2026-03-02 09:00", "2026-03-02 11:00", -8_000)],
            as_of="2026-03-02 18:00",
        )
    )
    assert result.daily_floor == usd(190_000)
    assert result.room_daily == usd(2_000)
    assert result.breaches == []


def ftmo_overnight(equity_at_night):
    return account(
        FTMO,
        b0=200_000,
        trades=[trade("2026-03-02 09:00", "2026-03-02 15:00", 4_000)],
        snapshots=[snapshot("2026-03-02 22:00", 204_000, equity_at_night)],
        as_of="2026-03-03 10:00",
    )


def test_ftmo_daily_loss_breach_at_reset():
    result = evaluate(ftmo_overnight(191_000))
    monday, tuesday = result.days
    assert monday.daily_floor == usd(190_000) and monday.min_equity == usd(191_000)
    assert tuesday.reference == usd(204_000) and tuesday.daily_floor == usd(194_000)
    (breach,) = result.breaches
    assert breach.key == "max_daily_loss:2026-03-03"
    assert breach.ts == at("2026-03-03 00:00")
    assert (breach.threshold, breach.observed, breach.unit) == (usd(194_000), usd(191_000), "cents")
    assert breach.message == (
        "Equity $191,000.00 fell below the daily loss limit $194,000.00 (reference $204,000.00 "
        "− 5% of $200,000.00) at the 2026-03-03 reset."
    )
    assert breach.snapshot_id is not None
    assert result.first_hard_breach == breach


def test_equity_equal_to_the_daily_limit_is_not_a_breach():
    result = evaluate(ftmo_overnight(194_000))
    assert result.breaches == []
    assert result.room_daily == 0


def test_one_cent_below_the_daily_limit_is_a_breach():
    assert keys(evaluate(ftmo_overnight("193999.99"))) == ["max_daily_loss:2026-03-03"]


def higher_of(equity_on_tuesday):
    return account(
        rule(
            "max_daily_loss", percent="3", amount_base="reference", reference="max_balance_equity"
        ),
        trades=[trade("2026-03-02 09:00", "2026-03-02 15:00", 4_000)],
        snapshots=[
            snapshot("2026-03-02 23:00", 104_000, 106_000),
            snapshot("2026-03-03 10:00", 104_000, equity_on_tuesday),
        ],
        as_of="2026-03-03 12:00",
    )


def test_higher_of_reference_limit_102820():
    result = evaluate(higher_of(102_820))
    assert result.days[1].reference == usd(106_000)
    assert result.days[1].daily_floor == usd(102_820)
    assert result.day_reference == usd(106_000)
    assert result.breaches == []


def test_higher_of_reference_breaks_one_cent_below_102820():
    (breach,) = evaluate(higher_of("102819.99")).breaches
    assert breach.ts == at("2026-03-03 10:00")
    assert breach.threshold == usd(102_820)
    assert "on trading day 2026-03-03 at 2026-03-03 09:00 UTC" in breach.message


def test_equity_reference_uses_equity_at_the_reset():
    result = evaluate(
        account(
            rule("max_daily_loss", percent="3", reference="equity"),
            trades=[trade("2026-03-02 09:00", "2026-03-02 15:00", 4_000)],
            snapshots=[snapshot("2026-03-02 23:00", 104_000, 106_000)],
            as_of="2026-03-03 12:00",
        )
    )
    assert result.days[1].reference == usd(106_000)
    assert result.days[1].daily_floor == usd(103_000)  # 3% of B0 = 3,000


def test_amount_base_reference_takes_percent_of_the_day_reference():
    result = evaluate(
        account(
            rule("max_daily_loss", percent="5", amount_base="reference"),
            trades=[trade("2026-03-02 09:00", "2026-03-02 15:00", 10_000)],
            as_of="2026-03-03 12:00",
        )
    )
    assert result.daily_floor == usd(104_500)


def test_first_day_reference_is_the_initial_balance():
    losing = trade("2026-03-02 09:00", "2026-03-02 10:00", "-5000.01")
    result = evaluate(account(FTMO, trades=[losing]))
    (breach,) = result.breaches
    assert result.days[0].reference == usd(100_000)
    assert breach.ts == at("2026-03-02 10:00") and breach.observed == usd("94999.99")
    assert breach.trade_ids == (losing.id,)


def test_intraday_loss_recovered_later_still_breaches_at_its_time():
    result = evaluate(
        account(
            FTMO,
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", -6_000),
                trade("2026-03-02 11:00", "2026-03-02 12:00", 7_000),
            ],
        )
    )
    assert [b.ts for b in result.breaches] == [at("2026-03-02 10:00")]


def test_each_day_is_judged_against_its_own_limit_and_keyed_by_day():
    result = evaluate(
        account(
            rule("max_daily_loss", "soft", percent="5"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", -6_000),
                trade("2026-03-03 09:00", "2026-03-03 10:00", -4_000),
                trade("2026-03-04 09:00", "2026-03-04 10:00", -5_500),
            ],
        )
    )
    assert keys(result) == ["max_daily_loss:2026-03-02", "max_daily_loss:2026-03-04"]
    assert result.first_hard_breach is None  # soft severity never fails the account


def test_a_payout_withdrawal_is_not_a_daily_loss():
    result = evaluate(
        account(
            FTMO,
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", 10_000),
                trade("2026-03-03 11:00", "2026-03-03 12:00", -4_000),
            ],
            ops=[balance_op("2026-03-03 10:00", -10_000, "withdrawal")],
            as_of="2026-03-03 13:00",
        )
    )
    assert result.breaches == []
    assert result.balance == usd(96_000)
    assert result.daily_floor == usd(95_000)  # 110,000 − 5,000, moved down by the payout


def test_a_negative_adjustment_counts_as_a_loss_of_the_day():
    result = evaluate(
        account(FTMO, ops=[balance_op("2026-03-02 10:00", -6_000, "adjustment")], trades=[])
    )
    assert keys(result) == ["max_daily_loss:2026-03-02"]


def test_chicago_5pm_reset_names_the_next_session_day():
    result = evaluate(
        account(
            rule("max_daily_loss", percent="2"),
            tz="America/Chicago",
            hour=17,
            start="2026-03-02 08:00",
            trades=[trade("2026-03-02 18:00", "2026-03-02 19:00", -2_500, tz="America/Chicago")],
        )
    )
    (breach,) = result.breaches
    assert breach.key == "max_daily_loss:2026-03-03"
    assert result.days[-1].start_ts == at("2026-03-02 17:00", "America/Chicago")
