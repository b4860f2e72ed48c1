"""The live evaluator on worked examples: what a trader's equity does, what the desk sees."""

from __future__ import annotations

from dataclasses import replace

from live.engine.evaluator import on_balance, on_positions, on_tick, refresh, start_state
from live.engine.types import NearLimit, limits_from_rules
from risk.engine import evaluate
from risk.engine.types import Breach
from tests.risk.engine.builders import (
    PRAGUE,
    account,
    at,
    balance_op,
    lots,
    rule,
    snapshot,
    trade,
    usd,
)

from .replay import replay

DAILY_5 = rule("max_daily_loss", percent="5")
MONDAY = "2026-03-02 08:00"  # Prague


def live(*rules, b0=100_000, tz=PRAGUE, hour=0, start=MONDAY):
    """Limits and the live state of a fresh account, from the engine's view of its start."""
    acc = account(*rules, b0=b0, tz=tz, hour=hour, start=start, as_of=start)
    limits = limits_from_rules(acc)
    return limits, start_state(limits, acc, evaluate(acc))


def breaches(events) -> list[Breach]:
    return [e for e in events if isinstance(e, Breach)]


def alerts(events) -> list[tuple[str, int]]:
    return [(e.limit, e.level) for e in events if isinstance(e, NearLimit)]


def tick(limits, state, when, equity, tz=PRAGUE):
    return on_tick(limits, state, at(when, tz), usd(equity))


def test_ftmo_5_percent_daily_on_100k_breaks_one_cent_below_95000():
    limits, state = live(DAILY_5)
    events = tick(limits, state, "2026-03-02 10:00", 95_000)
    assert breaches(events) == [] and alerts(events) == [("daily", 80), ("daily", 90)]
    assert state.used_daily_bp == 10_000 and state.last_daily_floor == usd(95_000)
    [breach] = breaches(tick(limits, state, "2026-03-02 11:00", "94999.99"))
    assert (breach.key, breach.threshold, breach.observed) == (
        "max_daily_loss:2026-03-02",
        usd(95_000),
        usd("94999.99"),
    )
    assert breach.message == (
        "Equity $94,999.99 fell below the daily loss limit $95,000.00 (reference $100,000.00 − "
        "5% of $100,000.00) on trading day 2026-03-02 at 2026-03-02 10:00 UTC."
    )
    assert state.failed and tick(limits, state, "2026-03-02 12:00", 80_000) == []


def test_ftmo_breach_at_the_reset_is_found_by_the_first_tick_of_the_day():
    limits, state = live(DAILY_5)
    on_balance(limits, state, at("2026-03-02 15:00"), usd(4_000), False)
    tick(limits, state, "2026-03-02 22:00", 98_000)  # Monday's limit 95,000 holds
    [breach] = breaches(tick(limits, state, "2026-03-03 09:30", 98_500))
    assert (breach.ts, breach.threshold, breach.observed) == (
        at("2026-03-03 00:00"),
        usd(99_000),
        usd(98_000),
    )
    assert breach.message.endswith(
        "(reference $104,000.00 − 5% of $100,000.00) at the 2026-03-03 reset."
    )


def test_a_tick_exactly_at_the_reset_is_the_new_days_first_point():
    limits, state = live(DAILY_5)
    on_balance(limits, state, at("2026-03-02 15:00"), usd(4_000), False)
    tick(limits, state, "2026-03-02 22:00", 98_000)
    # the carried 98,000 is not checked: the tick on the reset replaces it
    assert breaches(tick(limits, state, "2026-03-03 00:00", 99_000)) == []
    assert state.day == "2026-03-03" and state.day_reference == usd(104_000)


def test_dst_day_in_prague_is_23_hours_and_its_reset_is_local_midnight():
    limits, state = live(DAILY_5, start="2026-03-28 10:00")
    on_balance(limits, state, at("2026-03-29 10:00"), usd(4_000), False)
    # 23:30 on the 23-hour 29 March is still that day (reset at 22:00 UTC, local midnight)
    assert breaches(tick(limits, state, "2026-03-29 23:30", 98_000)) == []
    assert state.day == "2026-03-29" and state.day_end_ts - state.day_start_ts == 23 * 3600
    [breach] = breaches(tick(limits, state, "2026-03-30 08:00", 98_100))
    assert breach.ts == at("2026-03-30 00:00") == state.day_start_ts
    assert breach.key == "max_daily_loss:2026-03-30"


def test_trailing_intraday_floor_follows_ticks():
    limits, state = live(rule("max_total_loss", percent="10", mode="trailing_intraday"))
    tick(limits, state, "2026-03-02 10:00", 103_000)
    assert state.last_total_floor == usd(93_000)
    assert breaches(tick(limits, state, "2026-03-02 11:00", 93_000)) == []
    [breach] = breaches(tick(limits, state, "2026-03-02 12:00", "92999.99"))
    assert (breach.key, breach.threshold) == ("max_total_loss", usd(93_000))
    assert "(highest equity $103,000.00 − 10% of $100,000.00)" in breach.message


def test_trailing_eod_floor_moves_only_at_the_reset():
    limits, state = live(rule("max_total_loss", percent="10", mode="trailing_eod"))
    on_balance(limits, state, at("2026-03-02 15:00"), usd(4_000), False)
    assert breaches(tick(limits, state, "2026-03-02 16:00", 91_000)) == []  # floor 90,000
    assert state.last_total_floor == usd(90_000)
    tick(limits, state, "2026-03-02 23:00", 104_000)
    assert breaches(tick(limits, state, "2026-03-03 09:00", 94_000)) == []
    assert state.last_total_floor == usd(94_000)
    [breach] = breaches(tick(limits, state, "2026-03-03 10:00", "93999.99"))
    assert "highest end-of-day balance $104,000.00" in breach.message


def test_a_withdrawal_mid_day_is_not_a_daily_loss():
    limits, state = live(DAILY_5)
    assert on_balance(limits, state, at("2026-03-02 10:00"), usd(-10_000), True) == []
    assert state.last_daily_floor == usd(85_000)
    assert breaches(tick(limits, state, "2026-03-02 11:00", 86_000)) == []
    [breach] = breaches(tick(limits, state, "2026-03-02 12:00", "84999.99"))
    assert breach.threshold == usd(85_000)


def test_a_deposit_mid_day_raises_the_limit_by_the_deposit():
    limits, state = live(DAILY_5)
    on_balance(limits, state, at("2026-03-02 10:00"), usd(10_000), True)
    assert state.used_daily_bp == 0
    assert breaches(tick(limits, state, "2026-03-02 11:00", 105_000)) == []
    assert breaches(tick(limits, state, "2026-03-02 12:00", "104999.99"))[0].threshold == usd(
        105_000
    )


def test_near_limit_80_and_90_fire_once_a_day_and_again_the_next_day():
    limits, state = live(DAILY_5)
    assert alerts(tick(limits, state, "2026-03-02 10:00", "96000.01")) == []  # 79.99 %
    first = tick(limits, state, "2026-03-02 10:05", 96_000)
    assert alerts(first) == [("daily", 80)]
    assert first[0].used_bp == 8_000 and first[0].floor == usd(95_000)
    assert alerts(tick(limits, state, "2026-03-02 10:10", 97_000)) == []
    assert alerts(tick(limits, state, "2026-03-02 10:15", 95_900)) == []  # 80 already sent
    assert alerts(tick(limits, state, "2026-03-02 10:20", 95_500)) == [("daily", 90)]
    assert alerts(tick(limits, state, "2026-03-02 10:25", 95_100)) == []
    # Tuesday: reference 100,000 (balance), the carried 95,100 is 98 % used at the reset
    assert alerts(tick(limits, state, "2026-03-03 09:00", 95_050)) == [
        ("daily", 80),
        ("daily", 90),
    ]


def test_a_tick_jumping_past_both_levels_breaks_without_warnings():
    # the breach notice is what the trader needs: no 80/90 % warning at the failing point
    limits, state = live(DAILY_5)
    events = tick(limits, state, "2026-03-02 10:00", 90_000)
    assert [type(e).__name__ for e in events] == ["Breach"]


def test_a_tick_jumping_past_both_levels_short_of_the_limit_warns_twice():
    limits, state = live(DAILY_5)
    events = tick(limits, state, "2026-03-02 10:00", 95_400)  # 92 % of the 5,000 room
    assert alerts(events) == [("daily", 80), ("daily", 90)]


def test_total_loss_alert_uses_the_room_below_the_high_water_mark():
    limits, state = live(rule("max_total_loss", percent="10", mode="trailing_intraday"))
    tick(limits, state, "2026-03-02 10:00", 110_000)  # floor 100,000
    [alert] = tick(limits, state, "2026-03-02 11:00", 102_000)
    assert (alert.limit, alert.level, alert.used_bp, alert.floor) == (
        "total",
        80,
        8_000,
        usd(100_000),
    )


def test_a_late_tick_is_ignored():
    limits, state = live(DAILY_5)
    tick(limits, state, "2026-03-02 10:00", 99_000)
    before = state.to_dict()
    assert tick(limits, state, "2026-03-02 09:59", 50_000) == []
    assert tick(limits, state, "2026-03-02 10:00", 50_000) == []
    assert state.to_dict() == before


def test_a_close_after_a_tick_makes_equity_the_balance():
    limits, state = live(DAILY_5)
    tick(limits, state, "2026-03-02 10:00", 96_000)
    on_balance(limits, state, at("2026-03-02 10:30"), usd(-500), False)
    assert (state.balance, state.equity, state.equity_is_tick) == (usd(99_500), usd(99_500), False)


def test_position_size_and_open_volume_breaches_are_keyed_by_position():
    limits, state = live(
        rule("max_position_size", "soft", max_volume="2"),
        rule("max_open_volume", "hard", max_volume="5"),
    )
    ts = at("2026-03-02 10:00")
    assert on_positions(limits, state, ts, [("11", lots(2))]) == []  # equal: fine
    [size] = on_positions(limits, state, ts + 60, [("11", lots(2)), ("12", lots("2.5"))])
    assert (size.key, size.severity, size.observed) == (
        "max_position_size:position:12",
        "soft",
        lots("2.5"),
    )
    assert size.message == "Position #12 opened 2.5 lots, above the 2 lot limit."
    assert on_positions(limits, state, ts + 120, [("11", lots(2)), ("12", lots("2.5"))]) == []
    [volume] = on_positions(
        limits, state, ts + 180, [("11", lots(2)), ("12", lots("2.5")), ("13", lots("0.6"))]
    )
    assert (volume.key, volume.observed, volume.severity) == (
        "max_open_volume:position:13",
        lots("5.1"),
        "hard",
    )
    assert volume.message == (
        "5.1 lots were open at once at 2026-03-02 09:03 UTC after position #13 opened, above "
        "the 5 lot limit."
    )
    assert state.failed


def test_open_volume_breaks_again_only_after_falling_back_to_the_limit():
    limits, state = live(rule("max_open_volume", "soft", max_volume="3"))
    ts = at("2026-03-02 10:00")
    first = on_positions(limits, state, ts, [("1", lots(2)), ("2", lots(2))])
    assert [b.key for b in first] == ["max_open_volume:position:2"]
    assert on_positions(limits, state, ts + 1, [("1", lots(2)), ("2", lots(2)), ("3", 1)]) == []
    assert on_positions(limits, state, ts + 2, [("1", lots(2))]) == []
    again = on_positions(limits, state, ts + 3, [("1", lots(2)), ("4", lots(2))])
    assert [b.key for b in again] == ["max_open_volume:position:4"]


def test_a_position_opened_while_paused_fails_the_account():
    pause = rule("max_daily_loss", percent="2", on_breach="pause_until_reset")
    limits, state = live(pause, b0=50_000, tz="America/Chicago", hour=17, start="2026-03-02 08:00")
    close = at("2026-03-02 10:00", "America/Chicago")
    [paused] = breaches(on_balance(limits, state, close, -100_001, False))
    assert paused.severity == "soft" and paused.details["action"] == "pause_until_reset"
    assert paused.message.endswith(
        "Trading is paused until the reset at 2026-03-02 17:00 America/Chicago."
    )
    [opened] = on_positions(limits, state, at("2026-03-02 11:00", "America/Chicago"), [("7", 1)])
    assert (opened.key, opened.severity, opened.observed) == (
        "max_daily_loss:paused:position:7",
        "hard",
        6 * 3600,
    )
    assert state.failed


def test_a_carried_loss_over_a_weekend_pauses_each_day_once():
    pause = rule("max_daily_loss", percent="5", on_breach="pause_until_reset")
    limits, state = live(pause, start="2026-03-06 08:00")  # a Friday
    tick(limits, state, "2026-03-06 20:00", 94_000)  # Friday: 6,000 down, breach
    events = breaches(tick(limits, state, "2026-03-09 08:00", 94_000))  # Monday
    assert [(b.key, b.ts) for b in events] == [
        ("max_daily_loss:2026-03-07", at("2026-03-07 00:00")),
        ("max_daily_loss:2026-03-08", at("2026-03-08 00:00")),
        ("max_daily_loss:2026-03-09", at("2026-03-09 00:00")),
    ]
    assert all(b.severity == "soft" for b in events) and not state.failed


def test_refresh_never_reports_again_what_the_engine_found():
    acc = account(
        DAILY_5,
        snapshots=[snapshot("2026-03-02 10:00", 100_000, 94_000)],
        as_of="2026-03-02 10:00",
    )
    result = evaluate(acc)
    limits = limits_from_rules(acc)
    state = start_state(limits, acc, result)
    assert result.first_hard_breach is not None and state.failed
    assert tick(limits, state, "2026-03-02 11:00", 90_000) == []


def test_refresh_keeps_the_live_high_water_mark_and_a_later_tick():
    total = rule("max_total_loss", percent="10", mode="trailing_intraday")
    limits, state = live(total)
    tick(limits, state, "2026-03-02 10:00", 108_000)  # a tick the engine never stored
    on_balance(limits, state, at("2026-03-02 10:30"), usd(1_000), False)
    tick(limits, state, "2026-03-02 10:45", 100_500)
    engine_view = account(
        total, trades=[trade("2026-03-02 09:00", "2026-03-02 10:30", 1_000)], as_of=MONDAY
    )
    new = refresh(limits, state, engine_view, evaluate(engine_view))
    assert new.total_hwm == usd(108_000) and new.total_floor == usd(98_000)
    assert (new.balance, new.equity, new.last_ts) == (usd(101_000), usd(100_500), state.last_ts)


def test_trailing_eod_lock_moves_with_a_withdrawal_like_the_engine():
    acc = account(
        rule("max_total_loss", percent="3", mode="trailing_eod", lock_at="initial"),
        trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", 6_000)],
        ops=[balance_op("2026-03-02 12:00", -2_000, "withdrawal")],
        snapshots=[
            snapshot("2026-03-03 10:00", 104_000, 100_000),
            snapshot("2026-03-03 11:00", 104_000, "99999.99"),
        ],
        as_of="2026-03-04 12:00",
    )
    engine = evaluate(acc)
    run = replay(acc, check_refresh=True)
    assert [(b.ts, b.threshold) for b in run.breaches] == [
        (b.ts, b.threshold) for b in engine.breaches
    ]
    # day 2's floor: min(HWM 106,000 − 3,000, lock 100,000 + 2,000 paid out) − 2,000 of flows
    assert run.breaches[0].threshold == usd(100_000)
    assert "(locked at $100,000.00)" in run.breaches[0].message
    assert run.refresh_mismatches == []


def test_replay_without_refreshes_agrees_with_the_engine_too():
    acc = account(
        DAILY_5,
        rule("max_total_loss", percent="10", mode="trailing_closed"),
        trades=[
            trade("2026-03-02 09:00", "2026-03-02 10:00", 3_000),
            trade("2026-03-02 11:00", "2026-03-03 10:00", -9_000),
        ],
        snapshots=[snapshot("2026-03-02 23:00", 103_000, 97_000)],
        as_of="2026-03-03 12:00",
    )
    engine = evaluate(acc)
    run = replay(acc, refreshes=False)
    assert [b.key for b in run.breaches] == [
        b.key for b in engine.breaches if b.ts <= engine.first_hard_breach.ts
    ]
    evidence = {"trade_ids": (), "snapshot_id": None}
    assert replace(run.first_hard, **evidence) == replace(engine.first_hard_breach, **evidence)
