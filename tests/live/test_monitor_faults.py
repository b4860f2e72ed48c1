"""Faults the live path must survive without losing or duplicating a breach: a monitor process
killed with SIGKILL mid-stream, and the live Redis killed mid-run (the API answers 503 within a
second, the bridge re-sends, and every breach is still recorded once).

Real processes: `manage.py live_monitor` subprocesses against this test's database and a private
redis-server (tests/integration/private_redis.py), with short leases so a takeover is quick.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaluations.models import PlatformCommand
from live.services.limits import warm
from risk.models import Violation
from tests.conftest import ROOT, database_url_for_worker
from tests.integration.private_redis import APPEND_ONLY, PrivateRedis, wait_until
from tests.live.conftest import bridge_account, iso, make_bridge

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNTS = 12
PLANTED = {2: 8, 5: 14, 9: 20}  # account index → round whose tick breaches the daily limit


class MonitorProcess:
    def __init__(self, name: str, redis_url: str, log: Path) -> None:
        self.log = log
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            DATABASE_URL=database_url_for_worker(),
            REDIS_URL=redis_url,
            LIVE_REDIS_URL=redis_url,
            LIVE_SHARDS="4",
            LIVE_LEASE_MS="1000",
            CELERY_BROKER_URL="",
            CELERY_TASK_ALWAYS_EAGER="true",
            EMAIL_URL="consolemail://",
            DEBUG="true",
        )
        with log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "live_monitor", "--name", name],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def redis_server(tmp_path, settings):
    server = PrivateRedis(tmp_path, persistence=APPEND_ONLY)
    server.start()
    settings.LIVE_REDIS_URL = server.url
    settings.LIVE_SHARDS = 4
    yield server
    server.close()


def rounds_of_ticks(accounts, start: dt.datetime, rounds: range):
    """One request per round: a tick per account; planted accounts drop below their limit."""
    for n in rounds:
        at = start + dt.timedelta(seconds=n)
        ticks = []
        for i, account in enumerate(accounts):
            planted = PLANTED.get(i)
            equity = "94000.00" if planted is not None and n >= planted else "99900.00"
            ticks.append({"account": account.login, "time": iso(at), "balance": "100000.00",
                          "equity": equity})  # fmt: skip
        yield n, {"ticks": ticks}


def send_until_accepted(client, body, *, timeout: float = 30.0) -> int:
    """What a bridge does: re-send the same request until it is accepted; returns the 503s."""
    unavailable = 0
    deadline = time.monotonic() + timeout
    while True:
        started = time.monotonic()
        response = client.post("/api/live/ticks/", body, format="json")
        if response.status_code == 202:
            assert response.json()["refused"] == []
            return unavailable
        assert response.status_code == 503, response.content
        assert time.monotonic() - started < 1.0, "a 503 must come within a second"
        unavailable += 1
        assert time.monotonic() < deadline, "the live feed never came back"
        time.sleep(0.2)


def planted_recorded(accounts) -> bool:
    wanted = {accounts[i].pk for i in PLANTED}
    return wanted <= set(Violation.objects.values_list("account_id", flat=True))


def assert_each_breach_once(accounts) -> None:
    per_account = {a.pk: 0 for a in accounts}
    for account_id in Violation.objects.values_list("account_id", flat=True):
        per_account[account_id] += 1
    assert per_account == {a.pk: int(i in PLANTED) for i, a in enumerate(accounts)}
    commands = PlatformCommand.objects.filter(kind="close_and_disable")
    assert sorted(commands.values_list("account_id", flat=True)) == sorted(
        accounts[i].pk for i in PLANTED
    )


def test_a_monitor_killed_mid_stream_loses_no_breach(redis_server, tmp_path):
    bridge, client = make_bridge()
    accounts = [bridge_account(bridge) for _ in range(ACCOUNTS)]
    warm([a.pk for a in accounts])
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=2)
    first = MonitorProcess("first", redis_server.url, tmp_path / "first.log")
    second = None
    try:
        for n, body in rounds_of_ticks(accounts, start, range(30)):
            send_until_accepted(client, body)
            if n == 10:
                first.kill()  # mid-stream: entries read and not yet acknowledged stay pending
                second = MonitorProcess("second", redis_server.url, tmp_path / "second.log")
            time.sleep(0.05)
        wait_until(lambda: planted_recorded(accounts), 30, "every planted breach was recorded",
                   log=lambda: (tmp_path / "second.log").read_text())  # fmt: skip
        time.sleep(1.0)  # anything duplicated would show by now
    finally:
        first.stop()
        if second is not None:
            second.stop()

    assert_each_breach_once(accounts)


def test_redis_killed_mid_run_answers_503_and_the_bridge_resends(redis_server, tmp_path):
    bridge, client = make_bridge()
    accounts = [bridge_account(bridge) for _ in range(ACCOUNTS)]
    warm([a.pk for a in accounts])
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=2)
    monitor = MonitorProcess("only", redis_server.url, tmp_path / "monitor.log")
    unavailable = 0
    try:
        for n, body in rounds_of_ticks(accounts, start, range(30)):
            if n == 12:
                redis_server.stop(crash=True)
                unavailable += send_once_expecting_503(client, body)
                redis_server.start()
            unavailable += send_until_accepted(client, body)
            time.sleep(0.05)
        wait_until(lambda: planted_recorded(accounts), 30, "every planted breach was recorded",
                   log=lambda: (tmp_path / "monitor.log").read_text())  # fmt: skip
        time.sleep(1.0)
    finally:
        monitor.stop()

    assert unavailable >= 1
    assert_each_breach_once(accounts)


def send_once_expecting_503(client, body) -> int:
    started = time.monotonic()
    response = client.post("/api/live/ticks/", body, format="json")
    assert response.status_code == 503
    assert time.monotonic() - started < 1.0
    return 1
