"""A worker killed (SIGKILL) in the middle of a recompute loses nothing and duplicates nothing.

The test starts workers of its own (never the shared session worker): each on a queue of its
own, with Redis keys under a prefix of its own (so its short visibility timeout only ever
re-delivers its own messages), a 3-second visibility timeout and a 1-second restore sweep.

To kill the task deterministically mid-way, without a test hook in production code, the test
holds a row lock on the last of the accounts from a second database connection: the task starts,
opens its transaction and waits inside `SELECT ... FOR UPDATE` until the test, having seen it
wait, SIGKILLs the worker. The message is then still unacked in Redis; a new worker on the same
queue gets it back once the visibility timeout has passed and runs it to the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from celery import Celery
from django.db import connection

from evaluations.models import AccountStatus, TradingAccount
from risk.models import AccountMetrics, Violation
from tests.conftest import database_url_for_worker, unavailable
from tests.risk.builders import DAILY_5, TARGET_10, account_in, trade, two_phase_program

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

ROOT = Path(__file__).resolve().parents[2]
RISK_DESK = "riskdesk@propdesk.test"
ACCOUNTS = 60
BREACHING = 3
VISIBILITY_TIMEOUT = 3


def _database_url() -> str:
    if not os.environ.get("REDIS_URL"):
        unavailable("the worker fault test needs Redis (set REDIS_URL)")
    return database_url_for_worker()


class Workers:
    """Starts Celery worker processes on one private queue; kills what it started."""

    def __init__(self, database_url: str, smtp_port: int) -> None:
        self.queue = f"propdesk-fault-{uuid.uuid4().hex[:8]}"
        self.transport_options = {
            "visibility_timeout": VISIBILITY_TIMEOUT,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
            "global_keyprefix": f"{self.queue}:",
        }
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"},
            "DATABASE_URL": database_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(self.transport_options),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "ADMINS": f"Risk Desk <{RISK_DESK}>",
            "SECRET_KEY": "worker-fault-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "SITE_URL": "http://testserver",
        }
        self.procs: list[subprocess.Popen] = []
        self.log = ROOT / f".worker-{self.queue}.log"
        broker = os.environ["REDIS_URL"]
        self.app = Celery("propdesk-fault-test", broker=broker, set_as_current=False)
        self.app.conf.broker_transport_options = self.transport_options
        self.redis = redis.Redis.from_url(broker)

    def start(self, name: str) -> subprocess.Popen:
        with open(self.log, "a") as log:
            proc = subprocess.Popen(  # noqa: S603
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                    *("-Q", self.queue, "--pool=solo", "--loglevel=INFO"),
                    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
                    *("-n", f"{name}-{self.queue}@%h"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def send(self, task: str, *args) -> None:
        self.app.send_task(task, args=args, queue=self.queue)

    def unacked(self) -> int:
        return self.redis.hlen(f"{self.queue}:unacked")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        keys = list(self.redis.scan_iter(f"{self.queue}:*"))
        if keys:
            self.redis.delete(*keys)
        self.redis.delete(self.queue)
        self.redis.close()
        self.app.close()
        self.log.unlink(missing_ok=True)


@pytest.fixture
def workers(smtp_sink) -> Iterator[Workers]:
    pool = Workers(_database_url(), smtp_sink.port)
    try:
        yield pool
    finally:
        pool.stop()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        time.sleep(0.05)


def _backends_blocked_by(holder_pid: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            [holder_pid],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_worker_killed_mid_recompute_loses_nothing_and_sends_nothing_twice(workers, smtp_sink):
    program = two_phase_program([DAILY_5, TARGET_10])
    accounts = [account_in(program) for _ in range(ACCOUNTS)]
    for n, account in enumerate(accounts):
        trade(account, "-5600.00" if n < BREACHING else "250.00", ticket=f"FLT-{n}")
    ids = [a.pk for a in accounts]
    breaching = ids[:BREACHING]

    # A second connection holds the last account's row: the recompute will wait on it.
    with psycopg.connect(_database_url(), autocommit=False) as holder:
        holder.execute(
            "SELECT id FROM evaluations_tradingaccount WHERE id = %s FOR UPDATE", [max(ids)]
        )
        holder_pid = holder.info.backend_pid

        first = workers.start("doomed")
        workers.send("risk.tasks.recompute_accounts", ids)
        _wait(lambda: _backends_blocked_by(holder_pid), 60, "the recompute task is running")
        assert workers.unacked() == 1, "the running task's message must still be unacked"

        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        holder.rollback()  # the dead worker's transaction is rolled back, it committed nothing

    _wait(lambda: not _backends_blocked_by(holder_pid), 10, "the dead worker's query ended")
    assert not AccountMetrics.objects.filter(account_id__in=ids).exists()
    assert workers.unacked() == 1, "the killed worker's message must survive in Redis"

    workers.start("rescuer")
    _wait(
        lambda: AccountMetrics.objects.filter(account_id__in=ids).count() == ACCOUNTS,
        30,
        "the re-delivered recompute saved metrics for every account",
    )
    messages = smtp_sink.wait_for(2 * BREACHING, timeout=20)
    _wait(lambda: workers.unacked() == 0, 10, "every message was acked")
    time.sleep(VISIBILITY_TIMEOUT + 1.5)  # long enough for any wrong re-delivery to show

    statuses = dict(TradingAccount.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert {pk for pk, s in statuses.items() if s == AccountStatus.FAILED} == set(breaching)
    violations = list(Violation.objects.filter(account_id__in=ids))
    assert sorted(v.account_id for v in violations) == breaching
    assert len({(v.account_id, v.key) for v in violations}) == len(violations)

    assert len(smtp_sink.messages) == len(messages) == 2 * BREACHING
    desk = [m for m in messages if RISK_DESK in m["X-Rcpt-To"]]
    logins = {a.pk: a.login for a in accounts}
    for violation in violations:
        about = [m for m in desk if logins[violation.account_id] in m["Subject"]]
        assert len(about) == 1, f"violation {violation.pk}: {len(about)} risk desk emails"
    assert len(desk) == len(violations)
