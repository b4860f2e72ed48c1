"""Load test: trader sessions browsing the portal while a bridge pushes trades, against a live
gunicorn on 127.0.0.1.

    DATABASE_URL=postgres://root@127.0.0.1:5432/propdesk REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/load.py --sessions 50 --rate 100 --seconds 60

Bounded, and local only. It
1. creates a throwaway database (`bench_load_<run id>`), migrates it, seeds the demo firm
   (`seed_demo --seed 7`) and a bridge token (`create_bridge load-bench`);
2. runs `collectstatic` into a temporary directory (beside the seeding), then gunicorn
   (production settings: DEBUG off, `--workers 4 --threads 2` as in docs/deployment.md) on a
   127.0.0.1 port it has bound itself (so no other run can take it) and, when REDIS_URL is
   set, one Celery worker on a queue of its own (`propdesk-load-<run id>`), so imports are
   recomputed as in production;
3. for `--seconds`: `--sessions` threads, each logged in through /accounts/login/ as a demo
   trader (never a staff user), open the home page, one of their accounts and its journal,
   with `--think` seconds (±50 %) between pages, each from its own loopback address
   (127.0.x.y: the per-IP login rate limit sees separate clients, as in production); one
   scheduler pushes `--rate` trades/s to /api/bridge/trades/ in batches of `--batch`, new
   tickets on open demo accounts. The sessions log in first; the measured window of
   `--seconds` starts when all have;
4. prints p50/p95 latency per page and for the pushes, the error count (any non-2xx answer, a
   redirect to the login page or a connection error), and checks that the trades in the
   database grew by exactly the number pushed (`--json FILE` also writes these figures);
   stops the servers, drops the database and the queue, removes the temporary directory.

Exit status 1 if there were errors or the trade count does not match. The run id (default: the
process id and a random suffix) names everything the run creates, so runs can overlap
(bench/load_settings.py keeps the rest apart); SIGTERM stops the run with the same clean-up.
No new dependencies: stdlib HTTP (urllib) and threads.
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
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
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
from server_env import production_env

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = re.compile(r"[a-z0-9_]{1,40}")
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
    from accounts.roles import STAFF_ROLES
    from evaluations.models import TradingAccount
    from evaluations.models.accounts import OPEN_STATUSES

    call_command("seed_demo", seed=7, stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_bridge", "load-bench", stdout=out)
    token = out.getvalue().strip()
    traders = []
    # seed_demo's traders: first.last<n>@demo.propdesk.local and trader@propdesk.local
    # Never a staff user (they end in propdesk.local too): staff sessions need a TOTP code.
    demo_traders = User.objects.filter(
        email__endswith="propdesk.local", is_staff=False, is_superuser=False
    ).exclude(groups__name__in=STAFF_ROLES)
    for user in demo_traders.order_by("email"):
        account = user.trading_accounts.order_by("-started_at").first()
        if account is not None:
            traders.append((user.email, account.login))
    logins = list(
        TradingAccount.objects.filter(status__in=OPEN_STATUSES)
        .order_by("login")
        .values_list("login", flat=True)
    )
    return traders, logins, token


def _run_env(run_id: str, run_dir: Path) -> dict[str, str]:
    """What makes bench/load_settings.py this run's settings (for the servers and this process)."""
    bench = str(ROOT / "bench")
    path = os.pathsep.join(p for p in (bench, os.environ.get("PYTHONPATH")) if p)
    return {
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": path,
        "PROPDESK_LOAD_RUN": run_id,
        "PROPDESK_LOAD_STATIC_ROOT": str(run_dir / "static"),
    }


def _server_env(database_url: str, queue: str, run_env: dict[str, str]) -> dict[str, str]:
    env = production_env(
        database_url, **run_env, EMAIL_URL="consolemail://", CELERY_TASK_DEFAULT_QUEUE=queue
    )
    if not os.environ.get("REDIS_URL"):
        env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    return env


def _collect_static(env: dict[str, str], log) -> subprocess.Popen:
    """`collectstatic` into the run's directory; it needs no database, so it runs beside the
    seeding."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _start_servers(
    env: dict[str, str], listener: socket.socket, workers: int, log, procs: list
) -> None:
    """Gunicorn on `listener` (a socket bound here, handed over as a file descriptor: the port
    is this run's from the start) and the Celery worker, each added to `procs` as soon as it
    runs, so the caller stops whatever started, whatever fails later."""
    venv = Path(sys.executable).parent
    gunicorn = [str(venv / "gunicorn"), "config.wsgi", "--bind", f"fd://{listener.fileno()}"]
    procs.append(
        subprocess.Popen(
            [*gunicorn, "--workers", str(workers), "--threads", "2", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
        )
    )
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
    port = listener.getsockname()[1]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def _stop(procs: list[subprocess.Popen]) -> None:
    """Terminate (then kill, after 20 s) each server; a second call finds nothing to do."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _queue_length(queue: str) -> int | None:
    if not os.environ.get("REDIS_URL"):
        return None
    import redis

    with redis.Redis.from_url(os.environ["REDIS_URL"]) as client:
        return client.llen(queue)


def _forget_in_redis(queue: str, run_id: str) -> None:
    """Nothing of this run stays behind in Redis: its queue and its cache keys (the prefix set
    by bench/load_settings.py)."""
    if not os.environ.get("REDIS_URL"):
        return
    import redis

    with redis.Redis.from_url(os.environ["REDIS_URL"]) as client:
        client.delete(queue)
        for key in client.scan_iter(f"{run_id}:*", count=500):
            client.delete(key)


def _pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _figures(stats: Stats, seconds: float) -> dict[str, dict]:
    """Per request label: count, req/s (None for the logins, before the window), p50/p95/max ms."""
    order = [LOGIN, *PAGES]
    figures = {}
    for label in order + sorted(set(stats.ms) - set(order)):
        values = stats.ms.get(label)
        if values:
            figures[label] = {
                "count": len(values),
                "per_s": None if label == LOGIN else round(len(values) / seconds, 1),
                "p50_ms": round(_pct(values, 50), 1),
                "p95_ms": round(_pct(values, 95), 1),
                "max_ms": round(max(values), 1),
            }
    return figures


def _report(figures: dict[str, dict], stats: Stats) -> None:
    print(f"\n{'request':<34}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, row in figures.items():
        rate = "before" if row["per_s"] is None else f"{row['per_s']:.1f}"
        print(
            f"{label:<34}{row['count']:>7}{rate:>8}{row['p50_ms']:>9.1f}"
            f"{row['p95_ms']:>9.1f}{row['max_ms']:>9.1f}"
        )
    print(f"errors: {stats.error_count()}")
    for label, errors in stats.errors.items():
        print(f"  {label}: {len(errors)} e.g. {errors[0]}")


def _log_tail(path: Path, lines: int = 40) -> str:
    return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])


def _stop_on_sigterm() -> None:
    """SIGTERM (a timeout in the caller) ends the run through main's clean-up, once."""

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help="concurrent trader sessions")
    parser.add_argument("--rate", type=float, default=100, help="trades pushed per second")
    parser.add_argument("--batch", type=int, default=10, help="trades per push")
    parser.add_argument("--seconds", type=float, default=60, help="duration of the load")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between pages (s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2 threads)")
    parser.add_argument(
        "--run-id",
        default=f"{os.getpid()}_{secrets.token_hex(3)}",
        help="names the scratch database (bench_load_<id>) and the Celery queue "
        "(propdesk-load-<id>); a-z, 0-9, _ (default: pid and a random suffix)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not (1 <= args.sessions <= 500 and 0 < args.rate <= 2000 and 1 <= args.seconds <= 600):
        parser.error("bounded run: sessions 1..500, rate ≤ 2000/s, seconds 1..600")
    if not RUN_ID.fullmatch(args.run_id):
        parser.error("--run-id: 1 to 40 of a-z, 0-9, _")

    scratch = ScratchDatabase(f"bench_load_{args.run_id}", "bench/load.py")
    queue = f"propdesk-load-{args.run_id}"
    procs: list[subprocess.Popen] = []
    run_dir = Path(tempfile.mkdtemp(prefix=f"propdesk-load-{args.run_id}-"))
    run_env = _run_env(args.run_id, run_dir)
    # This process seeds with the same settings; anything it queued would go to the run's queue.
    os.environ.update(run_env, CELERY_TASK_DEFAULT_QUEUE=queue)
    log_path = run_dir / "servers.log"
    log = open(log_path, "w")  # noqa: SIM115
    listener = socket.create_server(("127.0.0.1", 0), backlog=2048)
    status = 1
    _stop_on_sigterm()
    try:
        scratch.recreate()
        env = _server_env(scratch.url, queue, run_env)
        collectstatic = _collect_static(env, log)
        procs.append(collectstatic)
        print(f"run {args.run_id}: seeding the demo firm (seed_demo --seed 7) …", flush=True)
        traders, logins, token = _prepare(scratch)
        from django.db import connections

        from evaluations.models import Trade

        trades_before = Trade.objects.count()
        connections.close_all()
        if collectstatic.wait() != 0:
            raise SystemExit("collectstatic failed: see the servers' log below")
        _start_servers(env, listener, args.workers, log, procs)
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        listener.close()  # gunicorn holds it now; ours would only queue connections if it died
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
        figures = _figures(stats, elapsed)
        _report(figures, stats)
        grew = trades_after - trades_before
        print(
            f"bridge: {bridge.sent} trades sent, {bridge.pushed} accepted as new "
            f"({bridge.pushed / elapsed:.1f}/s), {bridge.late} batches left late; trades in the "
            f"database {trades_before} → {trades_after} (+{grew})"
        )
        _stop(procs)
        backlog = _queue_length(queue)
        if backlog is not None:
            print(f"recompute tasks still queued when the worker stopped: {backlog}")
        consistent = grew == bridge.pushed == bridge.sent
        print(
            "trade count: "
            + ("OK, grew by exactly the number pushed" if consistent else "MISMATCH")
        )
        status = 0 if consistent and stats.error_count() == 0 else 1
        if args.json:
            result = {
                "run_id": args.run_id,
                "config": {
                    k: getattr(args, k)
                    for k in ("sessions", "rate", "batch", "seconds", "think", "workers")
                },
                "requests": figures,
                "errors": stats.error_count(),
                "error_examples": {k: v[:3] for k, v in stats.errors.items()},
                "trades": {
                    "sent": bridge.sent,
                    "accepted": bridge.pushed,
                    "late_batches": bridge.late,
                    "before": trades_before,
                    "after": trades_after,
                },
                "recompute_backlog": backlog,
                "exit_status": status,
            }
            args.json.write_text(json.dumps(result, indent=2))
        return status
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the clean-up runs to its end
        listener.close()
        _stop(procs)
        log.close()
        if status != 0 and log_path.stat().st_size:
            print(f"--- last lines of the servers' log ---\n{_log_tail(log_path)}", flush=True)
        scratch.drop()
        _forget_in_redis(queue, args.run_id)
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
