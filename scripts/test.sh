#!/usr/bin/env bash
# The whole test suite: lint, then pytest on PostgreSQL with a real Redis-backed Celery worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh test
bash scripts/services.sh
export DATABASE_URL="${DATABASE_URL:-postgres://root@127.0.0.1:5432/propdesk}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DJANGO_ALLOW_ASYNC_UNSAFE=true
createdb -h 127.0.0.1 -U root propdesk 2>/dev/null || true
echo "== lint (ruff)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== layers (import-linter)"
.venv/bin/lint-imports --no-cache
DEBUG=true .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
echo "== tests on ${DATABASE_URL%%\?*} with a Celery worker on ${REDIS_URL}"
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
