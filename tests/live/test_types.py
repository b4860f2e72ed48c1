"""Live limits and state survive their trip through JSON (Redis) unchanged."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from live.engine.types import LiveLimits, LiveState, limits_from_rules
from tests.risk.engine.builders import account, rule, usd

cents = st.integers(-(10**12), 10**12)
instants = st.integers(0, 2**33)
labels = st.dates().map(lambda d: d.isoformat())
maybe = st.none().__or__

states = st.builds(
    LiveState,
    day_start_ts=instants,
    day_end_ts=instants,
    day=labels,
    day_reference=cents,
    day_limit=maybe(cents),
    day_start_flow=cents,
    balance=cents,
    flow=cents,
    equity=cents,
    equity_is_tick=st.booleans(),
    equity_ts=instants,
    last_ts=instants,
    total_hwm=cents,
    total_floor=maybe(cents),
    breach_days=st.lists(labels, unique=True, max_size=3).map(sorted),
    total_breached=st.booleans(),
    failed_ts=maybe(instants),
    pause_from_ts=maybe(instants),
    pause_until_ts=maybe(instants),
    pause_day=maybe(labels),
    alerts_day=labels,
    alerts=st.dictionaries(
        st.sampled_from(["daily", "total"]),
        st.lists(st.sampled_from([50, 80, 90]), unique=True).map(sorted),
    ),
    positions=st.dictionaries(st.text(min_size=1, max_size=12), st.integers(1, 10**8)),
    open_above=st.booleans(),
    last_daily_floor=maybe(cents),
    last_total_floor=maybe(cents),
    used_daily_bp=maybe(st.integers(0, 10**6)),
    used_total_bp=maybe(st.integers(0, 10**6)),
)


def through_json(data: dict) -> dict:
    return json.loads(json.dumps(data))


@settings(max_examples=300, deadline=None)
@given(states)
def test_live_state_round_trips_through_json(state):
    text = json.dumps(state.to_dict(), sort_keys=True)
    again = LiveState.from_dict(json.loads(text))
    assert again == state
    assert json.dumps(again.to_dict(), sort_keys=True) == text


def test_live_limits_round_trip_through_json():
    acc = account(
        rule("max_daily_loss", percent="4.5", reference="max_balance_equity",
             on_breach="pause_until_reset"),
        rule("max_total_loss", percent="10", mode="trailing_eod", lock_at="100500.25"),
        rule("max_position_size", "soft", max_volume="2.5"),
        rule("max_open_volume", max_volume="10"),
        rule("profit_target", percent="10"),
    )  # fmt: skip
    limits = limits_from_rules(acc, alert_levels=(90, 75))
    assert LiveLimits.from_dict(through_json(limits.to_dict())) == limits
    assert limits.daily.pauses and limits.daily.reference == "max_balance_equity"
    assert limits.total.lock == usd("100500.25")
    assert (limits.max_position_size.volume, limits.max_position_size.severity) == (25_000, "soft")
    assert limits.max_open_volume.volume == 100_000 and limits.alert_levels == (75, 90)


def test_limits_of_a_rule_set_without_loss_limits_are_empty():
    limits = limits_from_rules(account(rule("profit_target", percent="8")))
    assert (limits.daily, limits.total, limits.max_position_size) == (None, None, None)
    assert LiveLimits.from_dict(through_json(limits.to_dict())) == limits
