"""The processes bench/live.py runs on loopback: a private redis-server, gunicorn, a Celery
worker and the live monitors, each with a log in the run's directory; and what the benchmark
reads from them (the shard streams' backlog, CPU seconds of a process tree)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis
from server_env import production_env

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and all its descendants now (from /proc), in seconds."""
    children: dict[int, list[int]] = {}
    times: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ppid = int(fields[1])
        children.setdefault(ppid, []).append(int(entry))
        times[int(entry)] = int(fields[11]) + int(fields[12])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += times.get(p, 0)
        todo.extend(children.get(p, []))
    return total / CLOCK_TICKS


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (/proc/stat, all cores)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


class Stack:
    """Everything the benchmark starts; `close()` stops all of it (also after a failure)."""

    def __init__(self, run_dir: Path, database_url: str, run_id: str) -> None:
        self.dir = run_dir
        self.run_id = run_id
        self.database_url = database_url
        self.procs: list[subprocess.Popen] = []
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.mail_clock = run_dir / "mail.jsonl"
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.base_url = ""

    # --- processes ---------------------------------------------------------------------------

    def _spawn(self, args: list[str], log_name: str, **kwargs) -> subprocess.Popen:
        log = open(self.dir / log_name, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, **kwargs
        )
        self.procs.append(proc)
        return proc

    def start_redis(self) -> redis.Redis:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self._spawn(
            [
                server,
                *("--port", str(self.redis_port), "--bind", "127.0.0.1"),
                *("--dir", str(self.dir), "--save", "", "--appendonly", "no"),
                *("--maxmemory-policy", "noeviction"),
            ],
            "redis.log",
        )
        client = redis.Redis.from_url(self.redis_url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return client
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def env(self) -> dict[str, str]:
        bench = str(ROOT / "bench")
        path = os.pathsep.join(p for p in (bench, str(ROOT), os.environ.get("PYTHONPATH")) if p)
        return production_env(
            self.database_url,
            DJANGO_SETTINGS_MODULE="live_settings",
            PYTHONPATH=path,
            PROPDESK_LIVE_RUN_DIR=str(self.dir),
            PROPDESK_MAIL_CLOCK=str(self.mail_clock),
            REDIS_URL=self.redis_url,
            LIVE_REDIS_URL=self.redis_url,
            CELERY_BROKER_URL=self.redis_url,
            CELERY_RESULT_BACKEND=self.redis_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            CELERY_TASK_DEFAULT_QUEUE=f"propdesk-live-{self.run_id}",
            ADMINS="Risk Desk <riskdesk@bench.invalid>",
            LOG_LEVEL="WARNING",
        )

    def start_web(self, workers: int, threads: int) -> str:
        """gunicorn (gthread) on a port bound here and handed over as a file descriptor."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.web = self._spawn(
            [
                *(gunicorn, "config.wsgi", "--bind", f"fd://{listener.fileno()}"),
                *("--workers", str(workers), "--threads", str(threads), "--timeout", "120"),
                "--worker-class=gthread",
            ],
            "web.log",
            env=self.env(),
            pass_fds=(listener.fileno(),),
        )
        port = listener.getsockname()[1]
        listener.close()
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2):
                    return self.base_url
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within 60 s: {self.log_tail('web')}")

    def start_worker(self, concurrency: int) -> None:
        env = self.env()
        queue = env["CELERY_TASK_DEFAULT_QUEUE"]
        self.worker = self._spawn(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue),
                *("--pool=prefork", f"--concurrency={concurrency}", "--loglevel=WARNING"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("-n", f"{queue}@%h"),
            ],
            "worker.log",
            env=env,
        )

    def start_monitors(self, count: int, tag: str) -> list[tuple[subprocess.Popen, Path]]:
        monitors = []
        for n in range(count):
            name = f"monitor-{tag}-{n}"
            proc = self._spawn(
                [sys.executable, "manage.py", "live_monitor", "--name", name],
                f"{name}.log",
                env=self.env(),
            )
            monitors.append((proc, self.dir / f"{name}.log"))
        return monitors

    def stop_monitors(self, monitors: list[tuple[subprocess.Popen, Path]]) -> int:
        """SIGTERM and wait; the items they evaluated (their last line says)."""
        for proc, _ in monitors:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        processed = 0
        for proc, log in monitors:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            found = re.findall(r"stopped after (\d+) items", log.read_text(errors="replace"))
            processed += int(found[-1]) if found else 0
        return processed

    def profile(self, pid: int, seconds: int, out: Path) -> None:
        """py-spy (installed by hand: `pip install py-spy`) samples `pid` and its children."""
        out.parent.mkdir(parents=True, exist_ok=True)
        py_spy = str(Path(sys.executable).parent / "py-spy")
        self._spawn(
            [py_spy, "record", "--pid", str(pid), "--subprocesses", "--duration", str(seconds)]
            + ["--format", "raw", "--output", str(out), "--nonblocking"],
            "py-spy.log",
        )

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def backlog(client: redis.Redis, streams: list[str], group: str) -> tuple[int, int]:
    """(entries not yet read by the group, entries read but not acknowledged) over `streams`."""
    pipe = client.pipeline(transaction=False)
    for stream in streams:
        pipe.xlen(stream)
        pipe.xinfo_groups(stream)
    replies = pipe.execute(raise_on_error=False)
    unread = pending = 0
    for n in range(len(streams)):
        length, groups = replies[2 * n], replies[2 * n + 1]
        mine = (
            [g for g in groups if g["name"] in (group, group.encode())]
            if isinstance(groups, list)
            else []
        )
        if not mine:
            unread += length if isinstance(length, int) else 0
            continue
        lag = mine[0].get("lag")
        unread += length if lag is None else lag
        pending += mine[0]["pending"]
    return unread, pending
