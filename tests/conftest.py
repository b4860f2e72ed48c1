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
from celery.result import allow_join_result
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


def unavailable(reason: str) -> None:
    """Skip on a developer's machine without the service; in CI a missing service is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def database_url_for_worker() -> str:
    from django.db import connection

    db = connection.settings_dict
    user = db.get("USER") or "root"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    if host.startswith("/"):  # a Unix socket directory (the embedded server)
        return f"postgres://{user}@/{db['NAME']}?host={host}&port={port}"
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture(autouse=True)
def _outside_any_task() -> None:
    """Each test starts outside any Celery task. The "within a task" flag that makes
    `result.get()` refuse is one global of the process, and two threads running eager tasks at
    once (the live server answers browser requests in threads) can leave it set after both end."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(scope="session")
def _celery_worker_process(
    django_db_setup, django_db_blocker, smtp_server: SmtpSink
) -> Iterator[str]:
    if not os.environ.get("REDIS_URL"):
        unavailable("a real worker needs Redis (set REDIS_URL)")
    with django_db_blocker.unblock():
        database_url = database_url_for_worker()
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
        # Celery's "within a task" flag is one global of the process: two threads running eager
        # tasks at once (browser tests' live server serves requests in threads) can leave it set
        # for good. This fixture is no task, so it may wait for a result.
        with allow_join_result():
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


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or {"transactional_db", "live_server"} & fixtures
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests (real worker, threads, browser) flush every table when they end,
    which would also delete what the migrations created (staff role groups, periodic tasks).
    Mark them for a serialized rollback, so the database content after migrations is
    serialized once at setup; `pytest_runtest_teardown` below restores it after each flush,
    so whatever runs next (also under xdist, in any order) finds it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        if _is_transactional(item) and "serialized_rollback" not in kwargs:
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    # After the last test the test database is already gone (nextitem is None).
    if nextitem is not None and _is_transactional(item):
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            with item.config.stash[blocking_manager_key].unblock():
                connection.creation.deserialize_db_from_string(contents)
    return result


class SecondFactorClient:
    """Mixed into the test client: `force_login` also marks the session as having passed the
    second factor, as a staff member who typed their TOTP code would have (staff pages refuse
    a session without it, see accounts/staff_mfa.py). Tests of that refusal use a plain
    `django.test.Client`; tests/security/test_staff_mfa.py signs in with real codes."""

    def force_login(self, user, backend=None) -> None:
        from accounts.staff_mfa import SESSION_KEY

        super().force_login(user, backend)
        session = self.session
        session[SESSION_KEY] = time.time()
        session.save()


def client_with_second_factor():
    from django.test import Client

    return type("Client", (SecondFactorClient, Client), {})()


@pytest.fixture
def client():
    return client_with_second_factor()


@pytest.fixture
def admin_client(db, admin_user):
    client = client_with_second_factor()
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # Factories set a password on every user; PBKDF2 would make factory-heavy tests crawl.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    from django.core.cache import cache

    cache.clear()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium(live_server) -> Iterator:
    """Debian's headless chromium driven by Playwright, for browser tests against live_server.

    Started per test and only after the live server (so after the test database is ready):
    Playwright runs an event loop in this thread, and pytest-django must restore a
    transactional test's serialized data before that loop starts.
    """
    if not CHROMIUM.exists():
        unavailable("needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    return [
        f"propdesk: database {db['ENGINE'].rsplit('.', 1)[-1]} at {db.get('HOST') or '-'}, "
        f"broker {settings.CELERY_BROKER_URL} (tests marked `worker` use a live Celery worker)"
    ]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    passed = terminalreporter.stats.get("passed", [])
    live = [r for r in passed if r.when == "call" and "worker" in r.keywords]
    browser = [r for r in passed if r.when == "call" and "e2e" in r.keywords]
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    terminalreporter.write_line(
        f"propdesk: ran on {db}; {len(live)} tests passed against a live Celery worker on "
        f"{settings.CELERY_BROKER_URL}; {len(browser)} browser tests passed in chromium"
    )
    for report in passed:  # the bounded load run's figures (tests/integration/test_load_bounded.py)
        for name, value in report.user_properties:
            if name == "load":
                terminalreporter.write_line(f"propdesk: {value}")


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Before the test database is dropped, end sessions that other threads (live server,
    race tests) or the worker subprocess left open, so the drop does not fail."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def live_redis(settings):
    """The live Redis for one test: a database of this test process's own (8 + xdist worker
    number) and its own events channel, empty before and after, and short server-sent event
    streams (a ping twice a second, an end after 5 s; live/streams.py). The live keys (shard
    streams, leases, state, the nearest-to-limits set) are the firm's, so two test processes
    sharing one Redis database would read each other's. Yields a client of that database."""
    import redis as redis_lib

    from live import events

    base = (settings.REDIS_URL or "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    number = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    settings.LIVE_REDIS_URL = f"{base}/{8 + number % 8}"
    settings.LIVE_EVENTS_CHANNEL = f"live:events:test{number}"
    settings.LIVE_STREAM_HEARTBEAT_SECONDS = 0.5
    settings.LIVE_STREAM_MAX_SECONDS = 5
    if not events.available():
        unavailable("live updates need Redis (set REDIS_URL)")
    client = redis_lib.Redis.from_url(settings.LIVE_REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
