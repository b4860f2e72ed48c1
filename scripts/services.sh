#!/usr/bin/env bash
# Start the local PostgreSQL and Redis if they are installed and down (this machine's services;
# no Docker). Without a PostgreSQL installed, scripts/test.sh falls back to the embedded server.
set -euo pipefail
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
if command -v pg_isready >/dev/null; then
  pg_isready -h 127.0.0.1 -p 5432 || true
else
  echo "postgresql: not installed (the tests use the embedded server)"
fi
echo "redis: $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null || echo 'not running')"
