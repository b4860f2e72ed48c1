"""The trading day as aware datetimes (`risk.days`): the engine's one day function, converted;
every app above risk (portal, payouts) reads days through it."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.days import trading_day_at, trading_day_bounds, trading_days_by_name
from risk.engine.days import trading_day

UTC = dt.UTC


def test_midnight_reset_names_the_day_by_its_date():
    day = trading_day_at("Europe/Prague", 0, dt.datetime(2026, 3, 3, 22, 30, tzinfo=UTC))
    assert day.day == dt.date(2026, 3, 3)
    assert day.start == dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert day.end == dt.datetime(2026, 3, 3, 23, 0, tzinfo=UTC)


def test_evening_reset_names_the_day_by_the_session_it_opens():
    # 17:00 New York reset: Tuesday 18:00 NY belongs to Wednesday's session
    day = trading_day_at("America/New_York", 17, dt.datetime(2026, 3, 3, 23, 0, tzinfo=UTC))
    assert day.day == dt.date(2026, 3, 4)
    assert trading_day_bounds("America/New_York", 17, dt.date(2026, 3, 4)) == day


@pytest.mark.parametrize("tz,hour", [("Europe/Prague", 0), ("America/New_York", 17), ("UTC", 22)])
def test_bounds_of_a_named_day_contain_every_instant_named_so(tz, hour):
    moment = dt.datetime(2026, 3, 1, tzinfo=UTC)
    while moment < dt.datetime(2026, 4, 5, tzinfo=UTC):  # across both DST changes
        day = trading_day_at(tz, hour, moment)
        assert trading_day_bounds(tz, hour, day.day) == day
        assert day.start <= moment < day.end
        moment += dt.timedelta(hours=5)


def test_day_of_the_spring_dst_change_is_23_hours_long():
    day = trading_day_bounds("Europe/Prague", 0, dt.date(2026, 3, 29))
    assert day.end - day.start == dt.timedelta(hours=23)
    days = trading_days_by_name("Europe/Prague", 0, [dt.date(2026, 3, 28), dt.date(2026, 3, 30)])
    assert days[dt.date(2026, 3, 29)] == day


ZONES = ["Europe/Prague", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]


@settings(max_examples=300, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    # 2026: both DST changes of every zone above, sampled densely around the 2-3 a.m. resets
    ts=st.integers(1_767_225_600, 1_798_761_600),
)
def test_datetime_helpers_are_the_engines_day_converted(tz, hour, ts):
    day = trading_day_at(tz, hour, dt.datetime.fromtimestamp(ts, UTC))
    engine = trading_day(ts, tz, hour)

    assert (int(day.start.timestamp()), int(day.end.timestamp())) == (
        engine.start_ts,
        engine.end_ts,
    )
    assert day.day.isoformat() == engine.day
    assert day.start <= dt.datetime.fromtimestamp(ts, UTC) < day.end
    assert trading_day_bounds(tz, hour, day.day) == day
