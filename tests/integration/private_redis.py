"""A Redis and a Celery worker of a test's own, to stop, crash and restart at will.

`PrivateRedis` runs redis-server (Debian's /usr/bin/redis-server) on a free port of 127.0.0.1
with its data in a temp dir, never the shared Redis the rest of the suite uses. `ProjectWorker`
runs the project's worker (`celery -A config worker`) on one queue of that Redis, against the
test database.
`publishing_to` makes the code under test (`enqueue`, `.delay()`) publish to that Redis, as
a web process configured with its REDIS_URL would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from celery import Celery
from celery._state import get_current_app
from django.conf import settings

from tests.conftest import database_url_for_worker, unavailable

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path(shutil.which("redis-server") or "/usr/bin/redis-server")

# What docs/deployment.md recommends for production, and the dev/CI set-up (scripts/services.sh).
APPEND_ONLY = ("--appendonly", "yes", "--appendfsync", "always", "--save", "")
NO_PERSISTENCE = ("--appendonly", "no", "--save", "")

RISK_DESK = "riskdesk@propdesk.test"


def wait_until(predicate: Callable[[], object], timeout: float, what: str, log=None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tail = f"\n--- worker log ---\n{log()}" if log else ""
            raise AssertionError(f"timed out after {timeout}s waiting until {what}{tail}")
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """One redis-server process on 127.0.0.1 with its data in `workdir`."""

    def __init__(self, workdir: Path, *, persistence: tuple[str, ...]) -> None:
        if not REDIS_SERVER.exists():
            unavailable(f"needs {REDIS_SERVER} (Debian package redis-server)")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = workdir
        self.args = [
            str(REDIS_SERVER),
            *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(workdir)),
            *("--logfile", str(workdir / "redis.log"), "--daemonize", "no"),
            *("--maxmemory-policy", "noeviction"),
            *persistence,
        ]
        self.proc: subprocess.Popen | None = None
        self.client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL)  # noqa: S603
        wait_until(self._answers, 10, f"redis-server answered on port {self.port}")

    def _answers(self) -> bool:
        assert self.proc is not None and self.proc.poll() is None, "redis-server exited"
        try:
            return bool(self.client.ping())
        except redis.RedisError:  # refused while starting, LOADING while reading its AOF
            return False

    def stop(self, *, crash: bool = False) -> None:
        """SIGTERM (a service restart: Redis flushes its AOF) or SIGKILL (a crash)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
        self.proc.wait(timeout=10)
        self.client.connection_pool.disconnect()

    def restart(self, *, crash: bool = False) -> None:
        self.stop(crash=crash)
        self.start()

    def queued(self, queue: str, task: str | None = None) -> int:
        """Messages waiting in `queue` (a Redis list), plus those taken but not yet acked; with
        `task`, only the messages of that task (an import queues a recompute and an abuse scan)."""
        if task is None:
            return self.client.llen(queue) + self.client.hlen("unacked")
        waiting = [json.loads(raw) for raw in self.client.lrange(queue, 0, -1)]
        taken = [json.loads(raw)[0] for raw in self.client.hvals("unacked")]
        return sum(m["headers"]["task"] == task for m in waiting + taken)

    def close(self) -> None:
        self.stop(crash=True)
        self.client.close()


class ProjectWorker:
    """The project's Celery worker on one queue of a private Redis, mailing `smtp_port`."""

    def __init__(self, broker: PrivateRedis, queue: str, smtp_port: int, log: Path) -> None:
        self.log = log
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"},
            "DATABASE_URL": database_url_for_worker(),
            "REDIS_URL": broker.url,
            "CELERY_BROKER_URL": broker.url,
            "CELERY_RESULT_BACKEND": broker.url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "ADMINS": f"Risk Desk <{RISK_DESK}>",
            "SECRET_KEY": "redis-restart-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "SITE_URL": "http://testserver",
        }
        self.args = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("-Q", queue, "--pool=solo", "--loglevel=INFO"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle"),
            *("-n", f"{queue}@%h"),
        ]
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """A cold shutdown (SIGQUIT): the tests stop a worker only once it is idle."""
        if not self.running:
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def new_queue() -> str:
    return f"propdesk-redis-restart-{uuid.uuid4().hex[:8]}"


@contextmanager
def publishing_to(broker: PrivateRedis, queue: str) -> Iterator[Celery]:
    """Inside, tasks queued by the code under test go to `queue` on `broker` (not eagerly).

    A second app built from the same Django settings as `config.celery.app`, with only the
    broker, result store and queue replaced, is made the current app of this thread; the
    project's tasks (`shared_task`) resolve through the current app, so `enqueue` and `.delay()`
    publish with it. The project's app is left as it is and is current again afterwards."""
    import risk.tasks  # noqa: F401  (registers the shared tasks before the app finalizes)

    previous = get_current_app()
    app = Celery("propdesk-private-redis", set_as_current=False)
    app.config_from_object(settings, namespace="CELERY")
    app.conf.update(
        broker_url=broker.url,
        result_backend=broker.url,
        task_default_queue=queue,
        task_always_eager=False,
    )
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()
