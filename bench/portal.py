"""Trader portal timing: the dashboard of a 10,000-trade account beside a bare page.

    DATABASE_URL=postgres://root@127.0.0.1:5432/propdesk .venv/bin/python bench/portal.py

Creates a throwaway database (`bench_portal_<name>`), fills one account with 10,000 trades over
200 trading days and 20,000 equity snapshots and lets the risk engine evaluate it (the same
account as tests/portal/test_performance.py: `tests.portal.builders.big_account`), then times
full requests through Django's handler (middleware, session, queries, templates; no network)
in the same process:

- baseline: `/healthz` (one query) and the portal home of a trader with no accounts (a bare
  page: session, user, layout);
- the account dashboard, the journal's first page, the whole journal as CSV.

Prints median and p95 server time and the number of queries of each. Target (PRODUCT.md §5):
the dashboard in ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

TARGET_MS = 150.0
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")


class _QueryCounter:
    """Counts the SQL statements of a request (the connection is reopened per request)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _build():
    from tests.factories import TraderFactory
    from tests.portal.builders import big_account

    trader = TraderFactory(email="bench-trader@example.com")
    idle = TraderFactory(email="bench-idle@example.com")
    return trader, idle, big_account(trader, login="9900001")


def _time(client: Client, url: str, runs: int, stream: bool = False) -> tuple[list[float], int]:
    def once() -> float:
        started = time.perf_counter()
        response = client.get(url)
        if stream:
            for _ in response.streaming_content:
                pass
        else:
            assert response.status_code == 200, (url, response.status_code)
        return (time.perf_counter() - started) * 1000

    for _ in range(3):  # warm-up: templates, day calendar, connection
        once()
    counter = _QueryCounter()
    with connection.execute_wrapper(counter):
        once()
    return [once() for _ in range(runs)], counter.count


def _row(label: str, samples: list[float], queries: int) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return f"| {label} | {statistics.median(samples):.1f} | {p95:.1f} | {queries} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        print("bench/portal.py needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    db["TEST"] = {**db.get("TEST", {}), "NAME": f"bench_portal_{db['NAME']}"}
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    original_name = db["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with override_settings(STORAGES=storages, ALLOWED_HOSTS=["testserver"]):
            started = time.perf_counter()
            trader, idle, account = _build()
            built = time.perf_counter() - started
            print(f"built 10,000 trades, 200 days, 20,000 snapshots, evaluated, in {built:.1f} s")
            owner, bare = Client(), Client()
            owner.force_login(trader)
            bare.force_login(idle)
            rows = [
                ("baseline: /healthz", *_time(owner, "/healthz", args.runs)),
                ("baseline: bare portal page (home, no accounts)", *_time(bare, "/", args.runs)),
                (
                    "account dashboard, 10,000 trades",
                    *_time(owner, f"/trading/{account.login}/", args.runs),
                ),
                (
                    "journal, first page of 50",
                    *_time(owner, f"/trading/{account.login}/journal/", args.runs),
                ),
                (
                    "journal CSV, all 10,000 trades (streamed)",
                    *_time(
                        owner,
                        f"/trading/{account.login}/journal.csv",
                        max(5, args.runs // 5),
                        stream=True,
                    ),
                ),
            ]
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)

    print(f"\nPortal, PostgreSQL, {args.runs} runs each, server time in ms")
    print(f"(target: dashboard ≤ {TARGET_MS:.0f} ms)\n")
    print("| request | median ms | p95 ms | queries |")
    print("|---|---:|---:|---:|")
    for label, samples, queries in rows:
        print(_row(label, samples, queries))
    dashboard = statistics.median(rows[2][1])
    verdict = "meets" if dashboard <= TARGET_MS else "MISSES"
    print(f"\ndashboard median {dashboard:.1f} ms {verdict} the {TARGET_MS:.0f} ms target")
    return 0 if dashboard <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
