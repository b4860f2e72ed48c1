"""The monitor process end to end in-process: ticks through the real API and Redis streams, a
breach recorded once with its evidence, near-limit warnings once per level and day, late ticks,
minute bars, and two monitors sharing the shards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from evaluations.models import EquitySnapshot, PlatformCommand
from live import state
from live.models import EquityMinute, LimitAlert, LiveTick
from live.monitor import Monitor
from live.services.limits import warm
from risk.models import Violation
from tests.factories import staff_user
from tests.live.conftest import bridge_account, iso, make_bridge
from tests.live.monitoring import run_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(live_redis, settings):
    settings.LIVE_SHARDS = 4
    settings.LIVE_SAVE_SECONDS = 0  # save and acknowledge after every batch
    settings.LIVE_LEASE_MS = 1000
    staff_user("risk", "riskdesk@firm.example")
    bridge, client = make_bridge()
    return bridge, client


def minute_start() -> dt.datetime:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return now - dt.timedelta(minutes=3, seconds=now.second)


def push(client, login: str, ticks: list[tuple[dt.datetime, str]], balance: str = "100000.00"):
    body = {"ticks": [{"account": login, "time": iso(t), "balance": balance, "equity": e}
                      for t, e in ticks]}  # fmt: skip
    response = client.post("/api/live/ticks/", body, format="json")
    assert response.status_code == 202, response.json()
    return response


def test_a_breaching_tick_fails_the_account_once_with_the_tick_as_evidence(setup):
    bridge, client = setup
    account = bridge_account(bridge)
    warm([account.pk])
    t0 = minute_start()
    monitor = Monitor(name="m1")
    ticks = [(t0, "99800.00"), (t0 + dt.timedelta(seconds=1), "94999.99")]

    push(client, account.login, ticks)
    run_until(monitor)
    push(client, account.login, ticks)  # the bridge re-sends the same request
    run_until(monitor)

    violation = Violation.objects.get(account=account)
    assert violation.rule_code == "max_daily_loss"
    assert violation.threshold == Decimal("95000.0000")
    assert violation.observed == Decimal("94999.9900")
    assert violation.time == t0 + dt.timedelta(seconds=1)
    assert violation.failed_account
    snapshot = EquitySnapshot.objects.get(pk=violation.evidence["snapshot_id"])
    assert (snapshot.time, snapshot.equity) == (violation.time, Decimal("94999.99"))
    assert violation.evidence["details"]["live"]["equity"] == "94999.99"
    account.refresh_from_db()
    assert account.status == "failed"
    assert LiveTick.objects.filter(account=account, reason="breach").count() == 1
    commands = PlatformCommand.objects.filter(account=account)
    assert [(c.kind, c.violation_id) for c in commands] == [("close_and_disable", violation.pk)]
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2, subjects
    assert any(s.startswith("Your account") for s in subjects)
    assert any(s.startswith("[HARD]") for s in subjects)


def test_near_limit_warnings_once_per_level_and_day(setup):
    bridge, client = setup
    account = bridge_account(bridge)
    warm([account.pk])
    t0 = minute_start()
    # daily room: 100,000 − 95,000 = 5,000; 80 % used at 96,000, 90 % at 95,500
    equities = ["99000.00", "95900.00", "96500.00", "95500.00", "95400.00", "95800.00"]
    push(client, account.login, [(t0 + dt.timedelta(seconds=i), e) for i, e in enumerate(equities)])

    run_until(Monitor(name="m1"))

    alerts = LimitAlert.objects.filter(account=account).order_by("level")
    assert [(a.limit, a.level, a.equity) for a in alerts] == [
        ("daily", 80, Decimal("95900.00")),
        ("daily", 90, Decimal("95500.00")),
    ]
    assert all(a.emailed_at is not None for a in alerts)
    warnings = [m for m in mail.outbox if "room used" in m.subject]
    assert [m.to for m in warnings] == [[account.trader.email]] * 2
    assert not Violation.objects.filter(account=account).exists()


def test_an_older_tick_is_stored_as_late_and_never_moves_the_state_back(setup):
    bridge, client = setup
    account = bridge_account(bridge)
    warm([account.pk])
    t0 = minute_start()
    monitor = Monitor(name="m1")
    push(client, account.login, [(t0 + dt.timedelta(seconds=10), "99000.00")])
    run_until(monitor)

    push(client, account.login, [(t0 + dt.timedelta(seconds=5), "90000.00")])  # breach, late
    run_until(monitor)

    assert not Violation.objects.filter(account=account).exists()
    late = LiveTick.objects.get(account=account, reason="late")
    assert (late.time, late.equity) == (t0 + dt.timedelta(seconds=5), Decimal("90000.00"))
    saved = live_state(account)
    assert saved["s"]["last_ts"] == int((t0 + dt.timedelta(seconds=10)).timestamp())
    assert saved["s"]["equity"] == 9_900_000


def live_state(account) -> dict:
    import json

    raw = state.client().hget(state.state_key(state.shard_of(account.pk)), str(account.pk))
    return json.loads(raw)


def test_minute_bars_hold_the_low_high_and_last_equity(setup):
    bridge, client = setup
    account = bridge_account(bridge)
    warm([account.pk])
    t0 = minute_start()
    first = [(t0 + dt.timedelta(seconds=s), e) for s, e in
             ((0, "99500.00"), (20, "99100.00"), (40, "99900.00"), (59, "99700.00"))]  # fmt: skip
    push(client, account.login, [*first, (t0 + dt.timedelta(seconds=60), "99600.00")])
    monitor = Monitor(name="m1")
    run_until(monitor)
    monitor.close()  # releasing the shards writes the open minute too

    bars = list(EquityMinute.objects.filter(account=account).order_by("minute"))
    assert [(b.minute, b.low, b.high, b.last, b.ticks) for b in bars] == [
        (t0, Decimal("99100.00"), Decimal("99900.00"), Decimal("99700.00"), 4),
        (t0 + dt.timedelta(minutes=1), Decimal("99600.00"), Decimal("99600.00"),
         Decimal("99600.00"), 1),
    ]  # fmt: skip


def test_two_monitors_share_the_shards_and_one_takes_over_when_the_other_stops(setup):
    first, second = Monitor(name="m1"), Monitor(name="m2")
    first.rebalance()
    assert sorted(first.shards) == [0, 1, 2, 3]

    second.rebalance()  # the second sees two monitors but every shard is leased
    first.rebalance()  # the first gives up its extra half
    second.rebalance()
    assert len(first.shards) == len(second.shards) == 2
    assert set(first.shards).isdisjoint(second.shards)

    first.close()
    second.rebalance()
    assert sorted(second.shards) == [0, 1, 2, 3]


def test_a_breach_read_by_a_monitor_that_died_is_recorded_by_the_next(setup, settings):
    bridge, client = setup
    account = bridge_account(bridge)
    warm([account.pk])
    t0 = minute_start()
    dying, survivor = Monitor(name="dying"), Monitor(name="survivor")
    dying.rebalance()
    dying.step()  # the limits refresh
    push(client, account.login, [(t0, "94000.00")])

    def killed(*args, **kwargs):
        raise SystemExit("SIGKILL")  # dies after reading, before anything is written

    dying.commit = killed
    with pytest.raises(SystemExit):
        dying.step()
    assert not Violation.objects.filter(account=account).exists()

    settings.LIVE_LEASE_MS = 1000
    run_until(survivor, done=lambda: Violation.objects.filter(account=account).exists(),
              timeout=5)  # fmt: skip

    assert Violation.objects.filter(account=account).count() == 1
    assert PlatformCommand.objects.filter(account=account).count() == 1


def test_after_publishing_limits_the_monitor_takes_the_state_from_the_refresh_not_the_database(
    setup, monkeypatch
):
    """`live_limits` on an empty Redis queues a refresh per account; the monitor takes limits
    and state from it instead of evaluating each account again from PostgreSQL, and the tick
    after it in the same batch is still evaluated."""
    from live.services import limits as limits_service

    bridge, client = setup
    account = bridge_account(bridge)
    warm([account.pk])
    evaluated_again = []
    monkeypatch.setattr(
        limits_service, "load_now", lambda account_id: evaluated_again.append(account_id)
    )
    t0 = minute_start()
    push(client, account.login, [(t0, "94999.99")])

    run_until(Monitor(name="m1"))

    assert evaluated_again == []
    assert Violation.objects.filter(account=account, rule_code="max_daily_loss").count() == 1


def test_the_portal_chart_draws_the_live_minutes(setup, client):
    bridge, api = setup
    account = bridge_account(bridge)
    warm([account.pk])
    t0 = minute_start()
    push(api, account.login, [(t0, "99500.00"), (t0 + dt.timedelta(seconds=30), "99100.00"),
                              (t0 + dt.timedelta(seconds=61), "99800.00")])  # fmt: skip
    monitor = Monitor(name="m1")
    run_until(monitor)
    monitor.close()
    client.force_login(account.trader)

    page = client.get(f"/trading/{account.login}/")

    figure = page.context["figures"]["balance"]
    traces = {t["name"]: t for t in figure["data"]}
    band = traces["Live equity range (low to high)"]
    # minute t0: low 99,100 (high 99,500, last 99,100); minute t0+1: 99,800
    assert band["y"] == [99100.0, 99800.0]
    assert traces["Live equity high"]["y"] == [99500.0, 99800.0]
    assert traces["Equity"]["y"][-2:] == [99100.0, 99800.0]


def test_bars_of_one_minute_written_together_are_merged(db):
    from live.services.bars import write_bars

    account = bridge_account(None)
    minute = int(minute_start().timestamp())
    write_bars(
        [
            (account.pk, minute, 9_950_000, 9_990_000, 9_960_000, 10_000_000, 10),
            (account.pk, minute, 9_900_000, 9_900_000, 9_900_000, 10_000_000, 0),  # late tick
            (account.pk, minute, 9_970_000, 9_999_000, 9_980_000, 10_000_000, 5),
        ]
    )

    bar = EquityMinute.objects.get(account=account)
    assert (bar.low, bar.high, bar.last, bar.ticks) == (
        Decimal("99000.00"),
        Decimal("99990.00"),
        Decimal("99800.00"),
        15,
    )


def test_a_reinstated_account_is_watched_again(setup):
    from evaluations.services.accounts import reinstate_account
    from risk.services.violations import dismiss_violation

    bridge, client = setup
    account = bridge_account(bridge)
    warm([account.pk])
    t0 = minute_start()
    monitor = Monitor(name="m1")
    push(client, account.login, [(t0, "94000.00")])
    run_until(monitor)
    first = Violation.objects.get(account=account)
    risk = staff_user("risk", "second-risk@firm.example")
    dismiss_violation(first, by=risk)  # the tick was bad data
    reinstate_account(account, by=staff_user("admins", "boss@firm.example"), reason="bad tick")

    push(client, account.login, [(t0 + dt.timedelta(seconds=30), "99000.00"),
                                 (t0 + dt.timedelta(seconds=31), "89000.00")])  # fmt: skip
    run_until(monitor, done=lambda: Violation.objects.filter(account=account).count() > 1)

    account.refresh_from_db()
    assert account.status == "failed"
    second = Violation.objects.filter(account=account).exclude(pk=first.pk).get()
    assert second.rule_code == "max_total_loss" and second.failed_account
    assert sorted(
        PlatformCommand.objects.filter(account=account).values_list("kind", flat=True)
    ) == [
        "close_and_disable",
        "close_and_disable",
        "enable",
    ]


def test_a_position_breach_seen_live_is_not_recorded_again_when_its_trade_closes(setup):
    from tests.builders import evaluate
    from tests.factories import TradeFactory

    bridge, client = setup
    account = bridge_account(bridge, rules=(("max_position_size", "soft", {"max_volume": "5"}),))
    warm([account.pk])
    opened = minute_start()
    position = {"id": "81723", "symbol": "EURUSD", "side": "buy", "volume": "8",
                "open_time": iso(opened), "open_price": "1.08", "profit": "0"}  # fmt: skip
    body = {"positions": [{"account": account.login, "time": iso(opened), "positions": [position]}]}
    assert client.post("/api/live/positions/", body, format="json").status_code == 202
    run_until(Monitor(name="m1"))
    [live] = Violation.objects.filter(account=account)
    assert live.key == "max_position_size:position:81723"

    TradeFactory(account=account, ticket="81723", volume=Decimal("8"), open_time=opened,
                 close_time=opened + dt.timedelta(minutes=1))  # fmt: skip
    evaluate(account)

    assert list(Violation.objects.filter(account=account)) == [live]
