"""Redis restarts while tasks are queued: what survives, what is lost, what catches up.

Each test runs a redis-server of its own (tests/integration/private_redis.py), never the
shared Redis at 6379, and the project's worker on a queue of its own. Trades arrive the way
they do in production, through the bridge API: the push commits and, on commit, queues
`risk.tasks.recompute_accounts` for the accounts it touched. Of the ACCOUNTS accounts, the
first BREACHING lose more than the 5 % daily limit: each must fail with one violation and two
emails (risk desk and trader), however often it is evaluated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from rest_framework.test import APIClient

from evaluations.models import AccountStatus, Trade, TradingAccount
from risk import tasks
from risk.models import AccountMetrics, Violation
from tests.integration.private_redis import (
    APPEND_ONLY,
    NO_PERSISTENCE,
    RISK_DESK,
    PrivateRedis,
    ProjectWorker,
    new_queue,
    publishing_to,
    wait_until,
)
from tests.risk.builders import DAILY_5, TARGET_10, account_in, two_phase_program

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

ACCOUNTS = 8
BREACHING = 2
RECOMPUTE = "risk.tasks.recompute_accounts"  # a trade push also queues the abuse scan
TRADES_URL = "/api/bridge/trades/"


@pytest.fixture
def bridge() -> APIClient:
    out = StringIO()
    call_command("create_bridge", "mt5-redis-restart", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


@pytest.fixture
def accounts() -> list[TradingAccount]:
    program = two_phase_program([DAILY_5, TARGET_10])
    return [account_in(program) for _ in range(ACCOUNTS)]


def _redis(tmp_path: Path, persistence: tuple[str, ...]) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path, persistence=persistence)
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def append_only_redis(tmp_path) -> Iterator[PrivateRedis]:
    yield from _redis(tmp_path, APPEND_ONLY)


@pytest.fixture
def volatile_redis(tmp_path) -> Iterator[PrivateRedis]:
    yield from _redis(tmp_path, NO_PERSISTENCE)


@pytest.fixture
def queue() -> str:
    return new_queue()


def _worker(server: PrivateRedis, queue: str, smtp_port: int, tmp_path: Path):
    worker = ProjectWorker(server, queue, smtp_port, tmp_path / "worker.log")
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def worker_on_append_only(append_only_redis, queue, smtp_sink, tmp_path):
    yield from _worker(append_only_redis, queue, smtp_sink.port, tmp_path)


@pytest.fixture
def worker_on_volatile(volatile_redis, queue, smtp_sink, tmp_path):
    yield from _worker(volatile_redis, queue, smtp_sink.port, tmp_path)


def _item(account: TradingAccount, ticket: str, net: str) -> dict:
    return {
        "account": account.login,
        "ticket": ticket,
        "symbol": "EURUSD",
        "side": "buy",
        "volume": "1.00",
        "open_time": "2026-03-02T09:00:00Z",
        "open_price": "1.08000",
        "close_time": "2026-03-02T10:00:00Z",
        "close_price": "1.08100",
        "profit": net,
    }


def _push_day(bridge: APIClient, accounts: list[TradingAccount]) -> None:
    """One push with a trade for every account: a loss of 5,600 (5.6 %) on the breaching ones."""
    items = [
        _item(a, f"R-{a.pk}", "-5600.00" if n < BREACHING else "250.00")
        for n, a in enumerate(accounts)
    ]
    response = bridge.post(TRADES_URL, {"trades": items}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["new"] == len(items)


def _push_more_losses(bridge: APIClient, accounts: list[TradingAccount]) -> None:
    """A second push for the breaching accounts only: a second recompute of the same breach."""
    items = [_item(a, f"R2-{a.pk}", "-100.00") for a in accounts[:BREACHING]]
    response = bridge.post(TRADES_URL, {"trades": items}, format="json")
    assert response.status_code == 201, response.content


def _ready(worker: ProjectWorker, app) -> None:
    """Start the worker and wait until it answers (and so has taken what was queued before)."""
    worker.start()
    result = app.send_task("propdesk.ping")
    assert result.get(timeout=30) == "pong", worker.log_tail()


def _evaluated(accounts: list[TradingAccount]) -> int:
    return AccountMetrics.objects.filter(account__in=accounts).count()


def _assert_failed_once_each(accounts: list[TradingAccount], messages) -> None:
    """The breaching accounts failed and the others did not; one violation per breaching account
    and one risk desk plus one trader email per violation, none twice."""
    ids = [a.pk for a in accounts]
    breaching = ids[:BREACHING]
    statuses = dict(TradingAccount.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert sorted(pk for pk, s in statuses.items() if s == AccountStatus.FAILED) == breaching
    violations = list(Violation.objects.filter(account_id__in=ids))
    assert sorted(v.account_id for v in violations) == breaching
    logins = {a.pk: a.login for a in accounts}
    for violation in violations:
        about = [m for m in messages if logins[violation.account_id] in m["Subject"]]
        to_desk = [m for m in about if RISK_DESK in m["X-Rcpt-To"]]
        assert (len(about), len(to_desk)) == (2, 1), f"{len(about)} emails for {violation}"
    assert len(messages) == 2 * BREACHING


def test_with_append_only_redis_queued_tasks_survive_a_crash_and_run_once_each(
    append_only_redis, worker_on_append_only, queue, bridge, accounts, smtp_sink
):
    server, worker = append_only_redis, worker_on_append_only
    with publishing_to(server, queue) as app:
        _push_day(bridge, accounts)
        _push_more_losses(bridge, accounts)
        assert server.queued(queue, RECOMPUTE) == 2, "no worker runs: both recomputes wait"

        server.restart(crash=True)  # SIGKILL: Redis gets no chance to save anything on the way
        assert server.queued(queue, RECOMPUTE) == 2, "the append-only file kept both"

        _ready(worker, app)
        wait_until(lambda: _evaluated(accounts) == ACCOUNTS, 30, "every account was evaluated")
        messages = smtp_sink.wait_for(2 * BREACHING)
        wait_until(lambda: server.queued(queue) == 0, 10, "every task ran and was acked")
        time.sleep(0.5)  # any wrong second email would be on its way by now

    _assert_failed_once_each(accounts, smtp_sink.messages)
    assert len(messages) == 2 * BREACHING
    trades = dict(AccountMetrics.objects.values_list("account_id", "trades"))
    assert [trades[a.pk] for a in accounts] == [2] * BREACHING + [1] * (ACCOUNTS - BREACHING)


def test_without_persistence_queued_tasks_are_lost_and_the_day_rollover_catches_up(
    volatile_redis, worker_on_volatile, queue, bridge, accounts, smtp_sink
):
    server, worker = volatile_redis, worker_on_volatile
    with publishing_to(server, queue) as app:
        _push_day(bridge, accounts)
        assert server.queued(queue, RECOMPUTE) == 1

        server.restart()  # a clean service restart; without persistence the data is gone
        assert server.queued(queue) == 0, "the recompute was lost with the restart"

        _ready(worker, app)  # FIFO: had the recompute survived, it would have run by now
        assert _evaluated(accounts) == 0
        assert Trade.objects.filter(account__in=accounts).count() == ACCOUNTS  # in PostgreSQL

        # Beat queues the rollover every 15 minutes; here it is queued at once, the same way.
        summary = app.send_task("risk.tasks.day_rollover").get(timeout=30)
        assert summary["accounts"] == ACCOUNTS
        messages = smtp_sink.wait_for(2 * BREACHING)
        wait_until(lambda: server.queued(queue) == 0, 10, "every notification ran")

    assert _evaluated(accounts) == ACCOUNTS
    assert set(
        AccountMetrics.objects.filter(account__in=accounts).values_list("trades", flat=True)
    ) == {1}
    _assert_failed_once_each(accounts, messages)


def test_a_push_while_redis_is_down_is_saved_and_answered_201_without_hanging(
    volatile_redis, queue, bridge, accounts, caplog, settings
):
    server = volatile_redis
    server.stop()
    with publishing_to(server, queue):
        started = time.monotonic()
        _push_day(bridge, accounts)  # asserts 201 and every trade new
        took = time.monotonic() - started

        assert took < 5, f"the push took {took:.1f}s with Redis down"
        assert Trade.objects.filter(account__in=accounts).count() == ACCOUNTS
        assert "risk.tasks.recompute_accounts" in caplog.text
        assert "not queued, the broker is unreachable" in caplog.text

        # Redis is back: the next push is queued again, with no restart of the web process.
        server.start()
        _push_more_losses(bridge, accounts)
        assert server.queued(queue, RECOMPUTE) == 1

    # What the outage lost, the day rollover recomputes (here in-process, eagerly).
    assert _evaluated(accounts) == 0
    settings.ADMINS = [("Risk Desk", RISK_DESK)]
    tasks.day_rollover.apply()
    assert _evaluated(accounts) == ACCOUNTS
    _assert_failed_once_each(accounts, [_as_received(m) for m in mail.outbox])


def _as_received(message) -> dict:
    """A locmem email in the shape the SMTP sink gives (subject, recipients)."""
    return {"Subject": message.subject, "X-Rcpt-To": ", ".join(message.recipients())}


def test_a_running_worker_reconnects_after_redis_restarts_and_runs_new_tasks(
    volatile_redis, worker_on_volatile, queue, bridge, accounts, smtp_sink
):
    server, worker = volatile_redis, worker_on_volatile
    with publishing_to(server, queue) as app:
        _ready(worker, app)
        pid = worker.proc.pid

        server.restart()
        _push_day(bridge, accounts)

        wait_until(
            lambda: _evaluated(accounts) == ACCOUNTS,
            30,
            "the worker reconnected by itself and evaluated every account",
            worker.log_tail,
        )
        messages = smtp_sink.wait_for(2 * BREACHING)
        wait_until(lambda: server.queued(queue) == 0, 10, "every notification ran")

    assert worker.running and worker.proc.pid == pid, "the same worker process, not restarted"
    assert "Connection to broker lost" in worker.log_tail(200)
    _assert_failed_once_each(accounts, messages)
