#!/usr/bin/env bash
# The embedded demo: SQLite, tasks in-process, console email, demo data; serves :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
export DEBUG="${DEBUG:-true}"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo --seed 42
exec .venv/bin/python manage.py runserver "${PORT:-127.0.0.1:8000}"
