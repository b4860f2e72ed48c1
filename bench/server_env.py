"""The environment a benchmark gives the servers it starts: this process's, with production
settings (DEBUG off, a fresh secret, loopback host, no HTTPS redirect) and the run's own values."""

from __future__ import annotations

import os
import secrets


def production_env(database_url: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    env.update(overrides)
    return env
