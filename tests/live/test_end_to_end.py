"""Live risk end to end, as a firm runs it: the reference bridge simulator (bench/bridge_sim.py)
pushes ticks, position sets and closed trades through the real HTTP API of a live server, a
monitor evaluates them from the Redis streams, and the simulator long-polls and obeys the
commands.

A planted breach fails the account with the tick as evidence, sends one close-and-disable the
simulator carries out (its positions closed, nothing opened afterwards), one email to the risk
desk and one to the trader; a near-limit crossing sends one warning per threshold, once a day.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from bench.bridge_sim import BridgeRunner, HttpTransport, Sender, Simulator
from evaluations.models import EquitySnapshot, PlatformCommand, Trade
from live.models import LimitAlert
from live.monitor import Monitor
from live.services.limits import warm
from risk.models import Violation
from tests.factories import staff_user
from tests.integration.private_redis import wait_until
from tests.live.conftest import bridge_account

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def monitor(live_redis, settings):
    settings.LIVE_SHARDS = 4
    settings.LIVE_SAVE_SECONDS = 0.2
    running = Monitor(name="e2e")
    stop = threading.Event()
    thread = threading.Thread(target=running.run, kwargs={"stop": stop.is_set}, daemon=True)
    thread.start()
    yield running
    stop.set()
    thread.join(10)


def test_a_planted_breach_is_enforced_on_the_simulated_platform(live_server, monitor):
    staff_user("risk", "riskdesk@firm.example")
    a, b, c = (bridge_account(None) for _ in range(3))
    out = StringIO()
    call_command("create_bridge", "sim", "--platform", "mt5", "--accounts", a.login, b.login,
                 c.login, stdout=out, stderr=StringIO())  # fmt: skip
    token = out.getvalue().strip()
    warm([a.pk, b.pk, c.pk])
    start = int(time.time()) - 40
    sim = Simulator([a.login, b.login, c.login], seed=3, p_open=0.0, p_close=0.0,
                    initial_positions=1.0, start_ts=start)  # fmt: skip
    sim.plant(a.login, 4, 9_540_000)  # 92 % of the 5,000.00 daily room: warnings at 80 and 90
    sim.plant(a.login, 8, 9_400_000)  # below the 95,000.00 daily limit: the breach
    sim.plant(b.login, 4, 9_595_000)  # 81 %: one warning
    runner = BridgeRunner(sim, Sender(HttpTransport(live_server.url, token)), poll_wait=1.0)
    runner.start()
    try:
        runner.run(12, realtime=False, start_ts=start)
        wait_until(
            lambda: PlatformCommand.objects.filter(account=a, status="done").exists(),
            30,
            "the simulator carried out and acknowledged the command",
        )
        sim.p_open = 1.0  # every trader now tries to open: only the disabled one cannot
        runner.run(5, realtime=False, start_ts=start + 12)
        wait_until(lambda: len(mail.outbox) >= 5, 15, "the emails were sent")
    finally:
        runner.drain(timeout=30)

    violation = Violation.objects.get()
    assert (violation.account_id, violation.rule_code) == (a.pk, "max_daily_loss")
    assert violation.failed_account
    assert violation.time == dt.datetime.fromtimestamp(start + 7, dt.UTC)
    assert (violation.threshold, violation.observed) == (Decimal("95000"), Decimal("94000"))
    evidence = EquitySnapshot.objects.get(pk=violation.evidence["snapshot_id"])
    assert (evidence.time, evidence.equity) == (violation.time, Decimal("94000.00"))
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status, a.bridge.name) == ("failed", "active", "sim")

    [command] = PlatformCommand.objects.filter(account=a)
    assert (command.kind, command.status, command.violation_id) == (
        "close_and_disable",
        "done",
        violation.pk,
    )
    assert command.result == {"closed": 1}
    platform_a = sim.accounts[a.login]
    assert platform_a.disabled and not platform_a.positions
    report = runner.report()
    assert report["trades_opened_while_disabled"] == 0
    assert report["opens_refused_while_disabled"] >= 1
    assert sim.accounts[b.login].positions and len(sim.accounts[b.login].positions) > 1
    assert Trade.objects.filter(account=a).count() == 1  # the position the command closed
    assert report["ticks"]["refused"] == 0 and report["errors"] == []

    to_desk = [m for m in mail.outbox if "riskdesk@firm.example" in m.to]
    to_trader_a = [m.subject for m in mail.outbox if m.to == [a.trader.email]]
    to_trader_b = [m.subject for m in mail.outbox if m.to == [b.trader.email]]
    assert [m.subject.split(" on ")[0] for m in to_desk] == ["[HARD] Max daily loss"]
    assert sorted(to_trader_a) == sorted(
        [
            f"Account {a.login}: 80 % of your daily loss room used",
            f"Account {a.login}: 90 % of your daily loss room used",
            f"Your account {a.login} has failed: Max daily loss",
        ]
    )
    assert to_trader_b == [f"Account {b.login}: 80 % of your daily loss room used"]
    assert LimitAlert.objects.filter(account=b).count() == 1
