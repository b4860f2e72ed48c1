"""Weekend holding and news trading."""

from risk.engine import evaluate
from risk.engine.rules.news import concerns

from .builders import account, at, keys, news, rule, trade

WEEKEND = rule("weekend_holding", "soft")


def weekend_result(opened, closed, tz="UTC", weekend=WEEKEND):
    return evaluate(
        account(
            weekend,
            trades=[trade(opened, closed, 10, id=5, tz=tz)],
            tz="UTC",
            start="2026-03-02 08:00",
        )
    )


def test_position_held_over_the_default_weekend_window_is_flagged():
    result = weekend_result("2026-03-06 20:00", "2026-03-09 09:00")
    (breach,) = result.breaches
    assert breach.key == "weekend_holding:trade:5" and breach.severity == "soft"
    assert breach.ts == at("2026-03-06 21:00", "UTC")
    assert result.first_hard_breach is None


def test_position_closed_before_friday_21_utc_is_fine():
    assert keys(weekend_result("2026-03-06 20:00", "2026-03-06 20:59")) == []


def test_position_opened_when_the_window_ends_is_fine():
    assert keys(weekend_result("2026-03-08 21:00", "2026-03-09 09:00")) == []


def test_weekend_window_in_new_york_follows_local_time_across_dst():
    weekend = rule(
        "weekend_holding", "hard", start_day="friday", start_time="17:00", tz="America/New_York"
    )
    # 2026-03-06 is still winter time in New York (UTC−5): the window opens at 22:00 UTC.
    assert keys(weekend_result("2026-03-06 21:00", "2026-03-06 21:59", weekend=weekend)) == []
    held = weekend_result("2026-03-06 21:00", "2026-03-06 22:01", weekend=weekend)
    assert held.breaches[0].ts == at("2026-03-06 17:00", "America/New_York")
    assert held.first_hard_breach is not None


NEWS = rule("news_trading", minutes=2, impact="high")


def news_result(opened, symbol="EURUSD", currency="USD", impact="high", news_rule=NEWS):
    return evaluate(
        account(
            news_rule,
            trades=[trade(opened, "2026-03-04 15:00", 10, id=9, symbol=symbol, tz="UTC")],
            calendar=[news("2026-03-04 13:30", currency, impact, id=77)],
            tz="UTC",
        )
    )


def test_trade_opened_a_minute_before_high_impact_news_is_flagged():
    (breach,) = news_result("2026-03-04 13:29").breaches
    assert breach.key == "news_trading:trade:9:event:77"
    assert breach.observed == 60 and breach.threshold == 120 and breach.unit == "seconds"
    assert "1 min 0 s from the high-impact USD event “CPI”" in breach.message


def test_news_window_is_inclusive_of_exactly_n_minutes():
    assert keys(news_result("2026-03-04 13:28")) == ["news_trading:trade:9:event:77"]
    assert keys(news_result("2026-03-04 13:27:59")) == []


def test_closing_inside_the_window_also_counts():
    result = evaluate(
        account(
            NEWS,
            trades=[trade("2026-03-04 09:00", "2026-03-04 13:31", 10, id=3, tz="UTC")],
            calendar=[news("2026-03-04 13:30", "USD", id=1)],
            tz="UTC",
        )
    )
    assert result.breaches[0].details["moment"] == "closed"


def test_event_of_another_currency_or_lower_impact_is_ignored():
    assert keys(news_result("2026-03-04 13:30", currency="JPY")) == []
    assert keys(news_result("2026-03-04 13:30", impact="medium")) == []
    medium = rule("news_trading", minutes=2, impact="medium")
    assert keys(news_result("2026-03-04 13:30", impact="high", news_rule=medium)) != []


def test_index_and_futures_symbols_map_to_their_currency():
    assert keys(news_result("2026-03-04 13:30", symbol="NAS100")) != []
    assert keys(news_result("2026-03-04 13:30", symbol="GER40", currency="USD")) == []
    assert keys(news_result("2026-03-04 13:30", symbol="GER40", currency="EUR")) != []
    assert concerns("MNQH6", "USD") and concerns("US30.cash", "USD")
    assert concerns("UK100", "GBP") and concerns("XAUUSD", "USD") and concerns("EURUSD", "EUR")
    assert not concerns("ESTX", "USD") and not concerns("NAS100", "EUR")
