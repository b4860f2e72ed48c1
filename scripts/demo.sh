#!/usr/bin/env bash
# The embedded demo: PostgreSQL from a pip wheel (data in .pgdata/, stopped with the demo),
# tasks in-process, console email, demo data; serves :8000. DATABASE_URL, when set, wins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
export DEBUG="${DEBUG:-true}"
export PORT="${PORT:-127.0.0.1:8000}"
# config.embedded_postgres starts the server, creates the `propdesk` database and runs the steps
# with DATABASE_URL set; Ctrl-C or SIGTERM stops runserver, then the server.
exec .venv/bin/python -m config.embedded_postgres -- bash -ec '
  .venv/bin/python manage.py migrate --noinput
  .venv/bin/python manage.py seed_demo --seed 42
  exec .venv/bin/python manage.py runserver "$PORT"'
