"""A throwaway PostgreSQL database for a benchmark: created, migrated, dropped by the script."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


class ScratchDatabase:
    """`ScratchDatabase("propdesk_bench_x", "bench/x.py")` next to DATABASE_URL's server."""

    def __init__(self, name: str, script: str) -> None:
        parts = urlsplit(os.environ.get("DATABASE_URL", ""))
        if not parts.scheme.startswith("postgres"):
            sys.exit(f"{script} needs DATABASE_URL=postgres://…")
        self.name = name
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.url = urlunsplit(parts._replace(path=f"/{name}"))

    def recreate(self, drop_only: bool = False) -> None:
        import psycopg
        from psycopg import sql

        name = sql.Identifier(self.name)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            if not drop_only:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def drop(self) -> None:
        self.recreate(drop_only=True)

    def setup_django(self) -> None:
        """Point Django at the scratch database and migrate it."""
        os.environ["DATABASE_URL"] = self.url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ.setdefault("DEBUG", "true")
        sys.path.insert(0, str(ROOT))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
