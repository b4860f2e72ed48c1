"""Suite-wide fixtures: a real Celery worker on Redis and a real SMTP sink (aiosmtpd).

Ordinary tests run tasks eagerly (settings: CELERY_TASK_ALWAYS_EAGER under pytest). A test that
asks for `celery_worker` gets a worker process, started once per test session on its own queue,
connected to this session's test database, sending mail to `smtp_sink`. Such tests need
`@pytest.mark.django_db(transaction=True)` so the worker can see committed rows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                msg = message_from_bytes(envelope.original_content or envelope.content)
                msg["X-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
                sink.messages.append(msg)
                return "250 OK"

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.05)
        return list(self.messages)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def smtp_sink(smtp_server: SmtpSink) -> SmtpSink:
    smtp_server.messages.clear()
    return smtp_server


def _database_url_for_worker() -> str:
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("a real worker needs the PostgreSQL test database (set DATABASE_URL)")
    user = db.get("USER") or "root"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def _celery_worker_process(
    django_db_setup, django_db_blocker, smtp_server: SmtpSink
) -> Iterator[str]:
    if not os.environ.get("REDIS_URL"):
        pytest.skip("a real worker needs Redis (set REDIS_URL)")
    with django_db_blocker.unblock():
        database_url = _database_url_for_worker()
    queue = f"propdesk-test-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"},
        "DATABASE_URL": database_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "ADMINS": "Risk Desk <riskdesk@propdesk.test>",
        "SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": "http://testserver",
    }
    log = open(ROOT / f".worker-{queue}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        from config.celery import app

        app.conf.task_default_queue = queue
        app.conf.task_always_eager = False
        result = app.send_task("propdesk.ping", queue=queue)
        assert result.get(timeout=60) == "pong", "the Celery worker did not answer"
        app.conf.task_always_eager = True
        print(f"\n[celery] live worker pid {proc.pid} on queue {queue} ({app.conf.broker_url})")
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)


@pytest.fixture
def celery_worker(_celery_worker_process: str, settings) -> Iterator[str]:
    """A live worker; `.delay()` in the test goes to it through Redis instead of running eagerly."""
    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.task_default_queue = _celery_worker_process
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield _celery_worker_process
    finally:
        app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _eager_tasks_by_default() -> None:
    from config.celery import app

    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
