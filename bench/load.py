"""Load test: trader sessions browsing the portal while a bridge pushes trades, against a live
gunicorn on 127.0.0.1.

    DATABASE_URL=postgres://root@127.0.0.1:5432/propdesk REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/load.py --sessions 50 --rate 100 --seconds 60

Bounded, and local only. It
1. creates a throwaway database (`bench_load`), migrates it, seeds the demo firm
   (`seed_demo --seed 7`) and a bridge token (`create_bridge load-bench`);
2. runs `collectstatic`, then gunicorn (production settings: DEBUG off, `--workers 4
   --threads 2` as in docs/deployment.md) on a free 127.0.0.1 port and, when REDIS_URL is set,
   one Celery worker on a queue of its own, so imports are recomputed as in production;
3. for `--seconds`: `--sessions` threads, each logged in through /accounts/login/ as a demo
   trader, open the home page, one of their accounts and its journal, with `--think` seconds
   (±50 %) between pages, each from its own loopback address (127.0.x.y: the per-IP login
   rate limit sees separate clients, as in production); one scheduler pushes `--rate` trades/s
   to /api/bridge/trades/ in batches of `--batch`, new tickets on open demo accounts. The
   sessions log in first; the measured window of `--seconds` starts when all have;
4. prints p50/p95 latency per page and for the pushes, the error count (any non-2xx answer, a
   redirect to the login page or a connection error), and checks that the trades in the
   database grew by exactly the number pushed; stops the servers and drops the database.

Exit status 1 if there were errors or the trade count does not match. No new dependencies:
stdlib HTTP (urllib) and threads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.cookiejar
import io
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scratch_db import ScratchDatabase

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_NAME = "bench_load"
PASSWORD = "demo-pass-2026"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ERRORS = re.compile(r'class="[^"]*error[^"]*"[^>]*>\s*(.{0,200})', re.S)
PAGES = ("home", "account", "journal")
LOGIN = "login (POST + redirect to home)"
_PLAIN = urllib.request.build_opener()  # the bridge: no cookies


class Stats:
    """Latencies (ms) per label and errors, shared by all threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def ok(self, label: str, ms: float) -> None:
        with self.lock:
            self.ms[label].append(ms)

    def error(self, label: str, what: str) -> None:
        with self.lock:
            self.errors[label].append(what)

    def error_count(self) -> int:
        return sum(len(v) for v in self.errors.values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(opener, url: str, data: bytes | None = None, headers: dict | None = None):
    """(status, final url, body, ms); HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    start = time.perf_counter()
    try:
        with opener.open(request, timeout=60) as response:
            body = response.read()
            status, final = response.status, response.geturl()
    except urllib.error.HTTPError as exc:
        body, status, final = exc.read(), exc.code, url
    return status, final, body, (time.perf_counter() - start) * 1000


class _FromAddress(urllib.request.HTTPHandler):
    """Connects from its own loopback address (127.0.x.y), so each session is a client of its
    own to the per-IP login rate limit, as traders on their own machines would be."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(http.client.HTTPConnection, req, source_address=(self.address, 0))


def _loopback(i: int) -> str:
    return f"127.0.{1 + i // 250}.{2 + i % 250}"


class Window:
    """The measured interval: every session logs in first, then the load starts together."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.go = threading.Event()
        self.deadline = 0.0

    def open(self) -> None:
        self.deadline = time.monotonic() + self.seconds
        self.go.set()


class TraderSession(threading.Thread):
    """One browser: logs in, then home → account → journal until the window closes."""

    def __init__(self, base, email, login, stats, window, think, seed, address) -> None:
        super().__init__(daemon=True)
        self.base, self.email, self.login = base, email, login
        self.stats, self.window, self.think = stats, window, think
        self.ready = threading.Event()
        self.random = random.Random(seed)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _FromAddress(address)
        )

    def log_in(self) -> bool:
        status, _, body, _ = _request(self.opener, f"{self.base}/accounts/login/")
        match = CSRF_FIELD.search(body.decode())
        if status != 200 or not match:
            self.stats.error("login", f"login form: {status}")
            return False
        form = {"login": self.email, "password": PASSWORD, "csrfmiddlewaretoken": match[1]}
        status, final, body, ms = _request(
            self.opener,
            f"{self.base}/accounts/login/",
            urllib.parse.urlencode(form).encode(),
            {"Referer": f"{self.base}/accounts/login/"},
        )
        if status != 200 or "/accounts/login/" in final:
            why = ERRORS.search(body.decode(errors="replace"))
            self.stats.error("login", f"{self.email}: {status} at {final}: {why and why[1]}")
            return False
        self.stats.ok(LOGIN, ms)
        return True

    def run(self) -> None:
        try:
            logged_in = self.log_in()
        except OSError as exc:
            self.stats.error("connection", repr(exc))
            logged_in = False
        self.ready.set()
        if not logged_in:
            return
        self.window.go.wait()
        time.sleep(self.think * self.random.uniform(0, 1))  # no thundering herd at the start
        try:
            paths = {
                "home": "/",
                "account": f"/trading/{self.login}/",
                "journal": f"/trading/{self.login}/journal/",
            }
            while time.monotonic() < self.window.deadline:
                for page in PAGES:
                    if time.monotonic() >= self.window.deadline:
                        return
                    status, final, _, ms = _request(self.opener, self.base + paths[page])
                    if status == 200 and "/accounts/login/" not in final:
                        self.stats.ok(page, ms)
                    else:
                        self.stats.error(page, f"{status} at {final}")
                    time.sleep(self.think * self.random.uniform(0.5, 1.5))
        except OSError as exc:  # connection refused/reset, timeout
            self.stats.error("connection", repr(exc))


class Bridge:
    """Pushes `rate` trades/s in batches on a fixed schedule (open loop), from a thread pool."""

    def __init__(self, base, token, logins, stats, rate, batch, deadline) -> None:
        self.url = f"{base}/api/bridge/trades/"
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.logins, self.stats, self.batch, self.deadline = logins, stats, batch, deadline
        self.interval = batch / rate
        self.run_id = uuid.uuid4().hex[:8]
        self.lock = threading.Lock()
        self.pushed = 0  # trades the API answered 201 "new" for
        self.sent = 0
        self.late = 0  # batches that left after their slot (the pool was saturated)

    def _trades(self, number: int) -> list[dict]:
        close = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)
        rnd = random.Random(number)
        trades = []
        for i in range(self.batch):
            seq = number * self.batch + i
            trades.append(
                {
                    "account": self.logins[seq % len(self.logins)],
                    "ticket": f"load-{self.run_id}-{seq}",
                    "symbol": "EURUSD",
                    "side": rnd.choice(("buy", "sell")),
                    "volume": "0.10",
                    "open_time": (close - dt.timedelta(minutes=5)).isoformat(),
                    "open_price": "1.08500",
                    "close_time": close.isoformat(),
                    "close_price": "1.08510",
                    "profit": f"{rnd.uniform(-5, 5):.2f}",
                }
            )
        return trades

    def _push(self, number: int) -> None:
        body = json.dumps({"trades": self._trades(number)}).encode()
        try:
            status, _, answer, ms = _request(_PLAIN, self.url, body, self.headers)
        except OSError as exc:
            self.stats.error("push", repr(exc))
            return
        if status != 201:
            self.stats.error("push", f"{status}: {answer[:200]!r}")
            return
        self.stats.ok(f"bridge push ({self.batch} trades)", ms)
        with self.lock:
            self.pushed += json.loads(answer)["new"]

    def run(self) -> None:
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            number = 0
            while True:
                slot = start + number * self.interval
                if slot >= self.deadline:
                    break
                delay = slot - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -self.interval:
                    self.late += 1
                pool.submit(self._push, number)
                self.sent += self.batch
                number += 1


def _prepare(scratch: ScratchDatabase) -> tuple[list[tuple[str, str]], list[str], str]:
    """Seed the scratch database; (trader email, account login) pairs, open logins, token."""
    scratch.setup_django()
    from django.core.management import call_command

    from accounts.models import User
    from evaluations.models import TradingAccount
    from evaluations.models.accounts import OPEN_STATUSES

    call_command("seed_demo", seed=7, stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_bridge", "load-bench", stdout=out)
    token = out.getvalue().strip()
    traders = []
    # seed_demo's traders: first.last<n>@demo.propdesk.local and trader@propdesk.local
    for user in User.objects.filter(email__endswith="propdesk.local").order_by("email"):
        account = user.trading_accounts.order_by("-started_at").first()
        if account is not None:
            traders.append((user.email, account.login))
    logins = list(
        TradingAccount.objects.filter(status__in=OPEN_STATUSES)
        .order_by("login")
        .values_list("login", flat=True)
    )
    return traders, logins, token


def _server_env(database_url: str, queue: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION",)}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        EMAIL_URL="consolemail://",
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    if not os.environ.get("REDIS_URL"):
        env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    return env


def _start_servers(env: dict[str, str], port: int, workers: int, log) -> list[subprocess.Popen]:
    venv = Path(sys.executable).parent
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    procs = [
        subprocess.Popen(
            [
                str(venv / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                "2",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    ]
    if env.get("CELERY_TASK_ALWAYS_EAGER") != "true":
        queue = env["CELERY_TASK_DEFAULT_QUEUE"]
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
                + ["--pool=solo", "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
                + ["-n", f"{queue}@%h"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return procs
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _queue_length(queue: str) -> int | None:
    if not os.environ.get("REDIS_URL"):
        return None
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    length = client.llen(queue)
    client.delete(queue)  # nothing of this run stays behind in Redis
    return length


def _pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _report(stats: Stats, seconds: float) -> None:
    print(f"\n{'request':<34}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    order = [LOGIN, *PAGES]
    labels = order + sorted(set(stats.ms) - set(order))
    for label in labels:
        values = stats.ms.get(label)
        if not values:
            continue
        rate = "before" if label == LOGIN else f"{len(values) / seconds:.1f}"
        print(
            f"{label:<34}{len(values):>7}{rate:>8}{_pct(values, 50):>9.1f}"
            f"{_pct(values, 95):>9.1f}{max(values):>9.1f}"
        )
    print(f"errors: {stats.error_count()}")
    for label, errors in stats.errors.items():
        print(f"  {label}: {len(errors)} e.g. {errors[0]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help="concurrent trader sessions")
    parser.add_argument("--rate", type=float, default=100, help="trades pushed per second")
    parser.add_argument("--batch", type=int, default=10, help="trades per push")
    parser.add_argument("--seconds", type=float, default=60, help="duration of the load")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between pages (s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2 threads)")
    args = parser.parse_args()
    if not (1 <= args.sessions <= 500 and 0 < args.rate <= 2000 and 1 <= args.seconds <= 600):
        parser.error("bounded run: sessions 1..500, rate ≤ 2000/s, seconds 1..600")

    scratch = ScratchDatabase(SCRATCH_NAME, "bench/load.py")
    scratch.recreate()
    procs: list[subprocess.Popen] = []
    queue = f"propdesk-load-{uuid.uuid4().hex[:8]}"
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    log = open(ROOT / "bench" / "out" / f"load-{queue}.log", "w")  # noqa: SIM115
    try:
        print("seeding the demo firm (seed_demo --seed 7) …", flush=True)
        traders, logins, token = _prepare(scratch)
        from django.db import connections

        from evaluations.models import Trade

        trades_before = Trade.objects.count()
        connections.close_all()
        port = _free_port()
        procs = _start_servers(_server_env(scratch.url, queue), port, args.workers, log)
        base = f"http://127.0.0.1:{port}"
        print(
            f"gunicorn on {base} ({args.workers} workers × 2 threads); {len(traders)} demo "
            f"traders, {len(logins)} open accounts, {trades_before} trades; load: "
            f"{args.sessions} sessions (think {args.think} s), {args.rate:g} trades/s in "
            f"batches of {args.batch}, {args.seconds:g} s",
            flush=True,
        )

        stats = Stats()
        window = Window(args.seconds)
        sessions = [
            TraderSession(
                base, *traders[i % len(traders)], stats, window, args.think, i, _loopback(i)
            )
            for i in range(args.sessions)
        ]
        for session in sessions:
            session.start()
        for session in sessions:
            session.ready.wait(timeout=300)
        window.open()
        bridge = Bridge(base, token, logins, stats, args.rate, args.batch, window.deadline)
        bridge.run()  # returns after the last slot; its pool waits for the last push
        for session in sessions:
            session.join(timeout=120)
        elapsed = args.seconds

        trades_after = Trade.objects.count()
        connections.close_all()
        _report(stats, elapsed)
        grew = trades_after - trades_before
        print(
            f"bridge: {bridge.sent} trades sent, {bridge.pushed} accepted as new "
            f"({bridge.pushed / elapsed:.1f}/s), {bridge.late} batches left late; trades in the "
            f"database {trades_before} → {trades_after} (+{grew})"
        )
        _stop(procs)
        procs = []
        backlog = _queue_length(queue)
        if backlog is not None:
            print(f"recompute tasks still queued when the worker stopped: {backlog}")
        consistent = grew == bridge.pushed == bridge.sent
        print(
            "trade count: "
            + ("OK, grew by exactly the number pushed" if consistent else "MISMATCH")
        )
        return 0 if consistent and stats.error_count() == 0 else 1
    finally:
        _stop(procs)
        log.close()
        scratch.drop()


if __name__ == "__main__":
    sys.exit(main())
