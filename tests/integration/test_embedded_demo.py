"""The embedded demo of the README (`bash scripts/demo.sh`) works without any PostgreSQL
installed: the runner `config.embedded_postgres` starts a PostgreSQL server from the pip wheel,
then migrate, seed_demo (which evaluates every account) and every page its users open answer,
with tasks in-process and no broker.

Runs the real commands in one runner subprocess against a fresh data folder, whatever database
the rest of the suite uses; the page walk is tests/integration/demo_walk.py (Django test client).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_USER = re.compile(r"^\s+(\S+@propdesk\.local)\s", re.MULTILINE)
PYTHON = sys.executable
# The demo's steps, as scripts/demo.sh runs them, then the page walk instead of runserver.
STEPS = f"""
{PYTHON} manage.py migrate --noinput -v0
{PYTHON} manage.py seed_demo --seed 7 --traders 8 > "$OUT/seeded.txt"
USERS=$(sed -nE 's/^[[:space:]]+([^[:space:]]+@propdesk\\.local)([[:space:]].*)?$/\\1/p' \\
  "$OUT/seeded.txt")
{PYTHON} tests/integration/demo_walk.py $USERS > "$OUT/walked.json"
{PYTHON} manage.py totp_code risk@propdesk.local > "$OUT/code.txt"
"""


def _demo_env(out: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_VERSION")}
    env.update(
        DEBUG="true",
        OUT=str(out),
        REDIS_URL="",  # no broker: tasks run in-process, the cache is local memory
        CELERY_BROKER_URL="",
    )
    return env


def test_seeded_demo_on_embedded_postgresql_serves_every_page_to_its_users(tmp_path):
    runner = [PYTHON, "-m", "config.embedded_postgres", "--data", str(tmp_path / "pgdata")]
    done = subprocess.run(
        [*runner, "--", "bash", "-ec", STEPS],
        cwd=ROOT,
        env=_demo_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-4000:]}"
    assert "embedded PostgreSQL: postgresql://" in done.stderr
    seeded = (tmp_path / "seeded.txt").read_text()
    users = DEMO_USER.findall(seeded)
    assert "admin@propdesk.local" in users and "trader@propdesk.local" in users
    walked = json.loads((tmp_path / "walked.json").read_text())
    code = (tmp_path / "code.txt").read_text().strip()

    statuses, errors = walked["statuses"], walked["errors"]
    assert errors == {}
    logins = {page: code for page, code in statuses.items() if " POST " in page}
    passwords = {page: code for page, code in logins.items() if page.endswith("POST login")}
    assert set(passwords.values()) == {302} and len(passwords) == len(users)  # password works
    # Staff pass the second factor with the demo's published authenticator secret.
    codes = {page.split()[0]: code for page, code in logins.items() if page.endswith("code")}
    assert set(codes.values()) == {302}
    assert set(codes) == set(users) - {"trader@propdesk.local"}
    assert "totp_code" in seeded
    assert code.isdigit() and len(code) == 6
    pages = {page: code for page, code in statuses.items() if page not in logins}
    assert {page: code for page, code in pages.items() if code != 200} == {}
    walked_paths = {page.split(" GET ")[1] for page in pages}
    for path in ("/", "/payouts/", "/payouts/queue/", "/staff/", "/staff/risk/", "/admin/"):
        assert path in walked_paths
    for path in ("/staff/funnel/", "/staff/money/", "/staff/traders/"):
        assert path in walked_paths
    assert any("/failure/" in p for p in walked_paths)  # a failed account explains itself
    assert any(p.endswith("journal.csv") for p in walked_paths)
    assert sum(p.startswith("/admin/") and p.endswith("/change/") for p in walked_paths) > 10
    # Roles keep their limits: support never sees the money dashboard.
    assert walked["forbidden"]["support@propdesk.local GET /staff/money/"] == 403
    assert set(walked["forbidden"].values()) == {403}
    # seed_demo made payouts through the payout services: finance opens a queue with requests
    # to act on, the demo trader a history of their own.
    rows = walked["payout_rows"]
    for email in ("finance@propdesk.local", "finance2@propdesk.local", "admin@propdesk.local"):
        assert rows[f"{email} GET /payouts/queue/"] >= 1
    assert rows["trader@propdesk.local GET /payouts/"] >= 1
    assert "open in the finance queue /payouts/queue/" in seeded
    # seed_demo evaluated every account: metrics exist for all of them.
    assert "Risk metrics computed for" in seeded
    assert walked["accounts"] > 8 and walked["without_metrics"] == []
