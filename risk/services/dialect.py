"""Which write path the risk services take on the current database.

PostgreSQL gets the tuned raw-SQL path (COPY into staging tables, `= ANY(%s)`, `ON CONFLICT`,
in-database unit conversion, `ctid`/`xmin` checkpoints) that the 10,000-account benchmark
measures. Any other database (SQLite in the embedded demo) gets the portable ORM twins in
`loading_orm` and `saving_orm`, which store the same rows. Tests patch `use_fast_path` to run
the portable path on PostgreSQL and compare.
"""

from __future__ import annotations

from django.db import connection


def use_fast_path() -> bool:
    """True when the PostgreSQL-only SQL applies (the default connection is PostgreSQL)."""
    return connection.vendor == "postgresql"
