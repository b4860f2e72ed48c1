"""The daily pause (max_daily_loss with on_breach=pause_until_reset): the Topstep-style worked
example of docs/rules.md, to the cent."""

from risk.engine import evaluate

from .builders import account, at, keys, rule, trade, usd

CHICAGO = "America/Chicago"


def _pause_account(*trades):
    return account(
        rule("max_daily_loss", percent="2", on_breach="pause_until_reset"),
        trades=list(trades),
        b0=50_000,
        start="2026-03-01 18:00",
        tz=CHICAGO,
        hour=17,
    )


def test_breaking_the_daily_limit_pauses_until_the_1700_chicago_reset_instead_of_failing():
    loser = trade("2026-03-02 09:00", "2026-03-02 10:00", "-1000.01", id=1, tz=CHICAGO)
    result = evaluate(_pause_account(loser))
    (pause,) = result.breaches
    assert pause.severity == "soft" and result.first_hard_breach is None
    assert (pause.threshold, pause.observed) == (usd(49_000), usd("48999.99"))
    assert pause.details["action"] == "pause_until_reset"
    assert pause.details["paused_until_ts"] == at("2026-03-02 17:00", CHICAGO)
    assert pause.message == (
        "Equity $48,999.99 fell below the daily loss limit $49,000.00 (reference $50,000.00 − "
        "2% of $50,000.00) on trading day 2026-03-02 at 2026-03-02 16:00 UTC. Trading is "
        "paused until the reset at 2026-03-02 17:00 America/Chicago."
    )


def test_a_trade_opened_during_the_pause_fails_the_account_one_after_the_reset_does_not():
    loser = trade("2026-03-02 09:00", "2026-03-02 10:00", "-1000.01", id=1, tz=CHICAGO)
    paused = trade("2026-03-02 11:00", "2026-03-02 11:30", "50", id=2, tz=CHICAGO)
    resumed = trade("2026-03-02 18:00", "2026-03-02 19:00", "50", id=3, tz=CHICAGO)
    result = evaluate(_pause_account(loser, paused, resumed))
    assert keys(result) == ["max_daily_loss:2026-03-02", "max_daily_loss:paused:trade:2"]
    hard = result.first_hard_breach
    assert hard.key == "max_daily_loss:paused:trade:2" and hard.trade_ids == (2,)
    assert hard.message == (
        "Trade #T2 (EURUSD) was opened while the account was paused for the daily loss limit "
        "(until 2026-03-02 17:00 America/Chicago)."
    )


def test_without_on_breach_the_daily_loss_still_fails_the_account():
    loser = trade("2026-03-02 09:00", "2026-03-02 10:00", "-1000.01", id=1, tz=CHICAGO)
    result = evaluate(
        account(
            rule("max_daily_loss", percent="2"),
            trades=[loser],
            b0=50_000,
            start="2026-03-01 18:00",
            tz=CHICAGO,
            hour=17,
        )
    )
    assert result.first_hard_breach.key == "max_daily_loss:2026-03-02"
