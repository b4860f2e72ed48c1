"""Trading days in the phase's zone: DST-safe resets and day names."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import evaluate, trading_day

from .builders import account, at, keys, rule, snapshot, trade

HOUR = 3600


def test_prague_spring_forward_with_midnight_reset_is_a_23_hour_day():
    day = trading_day(at("2026-03-29 12:00"), "Europe/Prague", 0)
    assert day.day == "2026-03-29"
    assert day.start_ts == at("2026-03-29 00:00")
    assert day.end_ts - day.start_ts == 23 * HOUR


def test_prague_reset_at_2am_that_does_not_exist_happens_at_3am_summer_time():
    day = trading_day(at("2026-03-29 12:00"), "Europe/Prague", 2)
    assert day.start_ts == at("2026-03-29 03:00")  # the first instant after the gap
    assert day.end_ts - day.start_ts == 23 * HOUR
    saturday = trading_day(at("2026-03-28 12:00"), "Europe/Prague", 2)
    assert saturday.end_ts == day.start_ts
    assert saturday.end_ts - saturday.start_ts == 24 * HOUR


def test_prague_fall_back_with_midnight_reset_is_a_25_hour_day():
    day = trading_day(at("2026-10-25 12:00"), "Europe/Prague", 0)
    assert day.day == "2026-10-25"
    assert day.end_ts - day.start_ts == 25 * HOUR


def test_prague_reset_at_an_ambiguous_2am_uses_its_first_occurrence():
    day = trading_day(at("2026-10-25 12:00"), "Europe/Prague", 2)
    assert day.start_ts == at("2026-10-25 00:00", "UTC")  # 02:00 CEST, not 02:00 CET
    assert day.end_ts - day.start_ts == 25 * HOUR
    saturday = trading_day(at("2026-10-24 12:00"), "Europe/Prague", 2)
    assert saturday.end_ts - saturday.start_ts == 24 * HOUR


def test_chicago_5pm_reset_around_both_dst_changes():
    spring = trading_day(at("2026-03-08 10:00", "America/Chicago"), "America/Chicago", 17)
    assert spring.day == "2026-03-08"  # the session opened Saturday 17:00
    assert spring.start_ts == at("2026-03-07 23:00", "UTC")
    assert spring.end_ts == at("2026-03-08 22:00", "UTC")
    autumn = trading_day(at("2026-11-01 10:00", "America/Chicago"), "America/Chicago", 17)
    assert autumn.day == "2026-11-01"
    assert autumn.end_ts - autumn.start_ts == 25 * HOUR


def test_daily_loss_breach_at_the_first_reset_after_spring_forward():
    result = evaluate(
        account(
            rule("max_daily_loss", percent="5"),
            b0=200_000,
            trades=[trade("2026-03-28 09:00", "2026-03-28 15:00", 4_000)],
            snapshots=[snapshot("2026-03-28 22:00", 204_000, 191_000)],
            start="2026-03-27 08:00",
            as_of="2026-03-29 10:00",
        )
    )
    (breach,) = result.breaches
    assert breach.key == "max_daily_loss:2026-03-29"
    assert breach.ts == at("2026-03-28 23:00", "UTC")


def test_a_trade_at_half_past_midnight_summer_time_belongs_to_the_new_day():
    result = evaluate(
        account(
            rule("min_trading_days", days=2),
            trades=[
                trade("2026-03-29 10:00", "2026-03-29 11:00", 10),
                trade("2026-03-29 22:30", "2026-03-29 23:00", 10, tz="UTC"),  # 00:30 CEST
            ],
            start="2026-03-29 09:00",
        )
    )
    assert result.objectives[0].current == 2
    assert [d.day for d in result.days if d.trades_opened] == ["2026-03-29", "2026-03-30"]


def test_same_local_instant_on_both_sides_of_a_reset_hour_2_in_autumn():
    # 02:30 happens twice on 2026-10-25: both occurrences are after the reset (first 02:00)
    first = at("2026-10-25 00:30", "UTC")
    second = at("2026-10-25 01:30", "UTC")
    assert trading_day(first, "Europe/Prague", 2).day == "2026-10-25"
    assert trading_day(second, "Europe/Prague", 2).day == "2026-10-25"


ZONES = ["Europe/Prague", "America/Chicago", "America/New_York", "Australia/Sydney", "UTC"]


@settings(max_examples=300, deadline=None)
@given(
    ts=st.integers(at("2000-01-01 00:00", "UTC"), at("2040-01-01 00:00", "UTC")),
    tz=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
)
def test_days_are_23_24_or_25_hours_and_tile_the_timeline(ts, tz, hour):
    day = trading_day(ts, tz, hour)
    assert day.start_ts <= ts < day.end_ts
    assert day.end_ts - day.start_ts in (23 * HOUR, 24 * HOUR, 25 * HOUR)
    after = trading_day(day.end_ts, tz, hour)
    before = trading_day(day.start_ts - 1, tz, hour)
    assert after.start_ts == day.end_ts and before.end_ts == day.start_ts
    assert date.fromisoformat(after.day) == date.fromisoformat(day.day) + timedelta(days=1)
    assert date.fromisoformat(before.day) == date.fromisoformat(day.day) - timedelta(days=1)


def test_breach_keys_name_the_local_day_not_the_utc_day():
    result = evaluate(
        account(
            rule("max_daily_loss", percent="5"),
            trades=[trade("2026-03-02 23:10", "2026-03-02 23:30", -6_000, tz="UTC")],
            start="2026-03-02 08:00",
        )
    )
    assert keys(result) == ["max_daily_loss:2026-03-03"]
