"""The load test, short and bounded, in every run of the suite: bench/load.py as a subprocess.

Trader sessions browse the portal of a live gunicorn while a bridge pushes trades and a Celery
worker recomputes: no request may fail and no pushed trade may be lost. Latency is reported
(the `load` user property, printed in the terminal summary), never asserted: the suite runs on
busy machines.

The run is its own: a scratch database and a Celery queue named by a run id of this test, a
port bound by the script, static files and logs in a temporary directory. Whatever happens
(failure, timeout), the script's process group is stopped and its database and queue removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
from psycopg import sql

from tests.conftest import unavailable

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
SESSIONS, RATE, SECONDS = 12, 50, 10
PAGES = ("home", "account", "journal")
TIMEOUT = 240  # the whole run normally takes 25–45 s


def _prerequisites() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        unavailable("the load test needs PostgreSQL (DATABASE_URL=postgres://…)")
    if not os.environ.get("REDIS_URL"):
        unavailable("the load test needs Redis (REDIS_URL) for its Celery worker")
    if not (Path(sys.executable).parent / "gunicorn").exists():
        unavailable("the load test needs gunicorn in the virtualenv")


def _clean_up(proc: subprocess.Popen, run_id: str) -> None:
    """Safety net for a run that was killed: its servers, database, Redis keys, temporary files."""
    # The group the script and its servers run in; normally empty by now (ProcessLookupError).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    server = urlsplit(os.environ["DATABASE_URL"])
    with psycopg.connect(urlunsplit(server._replace(path="/postgres")), autocommit=True) as conn:
        name = sql.Identifier(f"bench_load_{run_id}")
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    with redis.Redis.from_url(os.environ["REDIS_URL"]) as client:
        client.delete(f"propdesk-load-{run_id}")
        for key in client.scan_iter(f"{run_id}:*", count=500):
            client.delete(key)
    for run_dir in Path(tempfile.gettempdir()).glob(f"propdesk-load-{run_id}-*"):
        shutil.rmtree(run_dir, ignore_errors=True)


def _run_load(run_id: str, figures: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    command = [
        *(sys.executable, str(ROOT / "bench" / "load.py")),
        *("--sessions", str(SESSIONS), "--rate", str(RATE), "--seconds", str(SECONDS)),
        *("--run-id", run_id, "--json", str(figures)),
    ]
    proc = subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.terminate()  # the script stops its servers and drops its database on SIGTERM
        try:
            output, _ = proc.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
        pytest.fail(f"bench/load.py did not finish within {TIMEOUT} s:\n{output}")
    finally:
        _clean_up(proc, run_id)
    return proc.returncode, output


def _summary(result: dict) -> str:
    pages = ", ".join(
        f"{label} {row['p50_ms']:.0f}/{row['p95_ms']:.0f}"
        for label, row in result["requests"].items()
        if label in PAGES or label.startswith("bridge push")
    )
    trades = result["trades"]
    return (
        f"load {SESSIONS} sessions + {RATE:g} trades/s for {SECONDS} s: p50/p95 ms {pages}; "
        f"{result['errors']} errors; {trades['sent']} trades pushed, "
        f"+{trades['after'] - trades['before']} in the database"
    )


def test_sessions_and_bridge_under_load_get_no_error_and_lose_no_trade(tmp_path, record_property):
    _prerequisites()
    run_id = f"t{os.getpid()}_{uuid.uuid4().hex[:6]}"
    figures = tmp_path / "load.json"
    absent = [p for p in (ROOT / "staticfiles", ROOT / "bench" / "out") if not p.exists()]

    status, output = _run_load(run_id, figures)

    print(output)
    assert figures.exists(), f"bench/load.py ended before its figures (exit {status}):\n{output}"
    result = json.loads(figures.read_text())
    record_property("load", _summary(result))
    assert result["errors"] == 0, result["error_examples"]
    for page in PAGES:  # every page was actually visited under load
        assert result["requests"][page]["count"] > 0, output
    trades = result["trades"]
    assert trades["sent"] > 0
    assert trades["accepted"] == trades["sent"], "the bridge refused or duplicated trades"
    assert trades["after"] - trades["before"] == trades["sent"], "trades lost or doubled"
    assert status == 0, output
    assert not [p for p in absent if p.exists()], "the run left files in the repository"
