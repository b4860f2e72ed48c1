"""PostgreSQL fast path: COPY rows into a temporary staging table, then one upsert.

    COPY staging FROM STDIN              -- psycopg 3 `cursor.copy()`, `write_row` per row
    INSERT INTO target … SELECT … FROM staging
    ON CONFLICT (account_id, key) DO UPDATE SET … WHERE (target.*) IS DISTINCT FROM (new.*)
    RETURNING (xmax = 0) AS inserted     -- xmax = 0 only on rows this statement inserted

new = rows returned with inserted; updated = the others; unchanged = staged − new − updated
(rows whose data did not differ are not touched and not returned).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .rows import RowError
from .specs import TableSpec, WriteResult

# Identifiers in the SQL below come from the constant TableSpecs, never from input (S608).
STAGING = "propdesk_import_staging"


class CopyWriter:
    """Stage, check repeats, upsert: one instance per import, inside its transaction."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.staged = 0
        key_name, key_type = spec.key
        columns = ", ".join(f"{name} {kind}" for name, kind in spec.values)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGING} (line integer, account_id bigint, "
                f"{key_name} {key_type}, {columns}) ON COMMIT DROP"
            )

    def stage(self, rows: Iterable[tuple]) -> None:
        """COPY `(line, account_id, key, *values)` tuples into the staging table."""
        names = ", ".join(("line", "account_id", self.spec.key_name, *self.spec.value_names))
        count = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
                    count += 1
        self.staged = count

    def resolve_repeats(self, repeated: set[tuple[int, object]]) -> tuple[list[RowError], int]:
        """Keys staged more than once: identical copies keep their first line; keys whose
        copies differ are dropped and each of their lines reported. Returns (errors, rows
        dropped as rejected)."""
        if not repeated:
            return [], 0
        key = self.spec.key_name
        values = ", ".join(self.spec.value_names)
        account_ids = [account_id for account_id, _ in repeated]
        keys = [value for _, value in repeated]
        errors: list[RowError] = []
        rejected = 0
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT account_id, {key}, array_agg(line ORDER BY line), "  # noqa: S608
                f"count(DISTINCT ({values})) FROM {STAGING} "
                f"WHERE (account_id, {key}) IN (SELECT * FROM unnest(%s::bigint[], "
                f"%s::{self.spec.key[1]}[])) GROUP BY account_id, {key}",
                [account_ids, keys],
            )
            for account_id, value, lines, variants in cursor.fetchall():
                if variants > 1:
                    listed = ", ".join(str(n) for n in lines)
                    errors.extend(
                        RowError(
                            n, key, f"duplicate {key} {value} with different data (lines {listed})"
                        )
                        for n in lines
                    )
                    rejected += len(lines)
                    cursor.execute(
                        f"DELETE FROM {STAGING} WHERE account_id = %s AND {key} = %s",  # noqa: S608
                        [account_id, value],
                    )
                else:
                    cursor.execute(
                        f"DELETE FROM {STAGING} WHERE account_id = %s AND {key} = %s "  # noqa: S608
                        "AND line > %s",
                        [account_id, value, lines[0]],
                    )
        return errors, rejected

    def upsert(self, batch_id: int) -> WriteResult:
        """Insert new keys, update keys whose data differ; one statement."""
        spec, table = self.spec, self.spec.table
        columns = ", ".join(("account_id", spec.key_name, *spec.value_names))
        assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in spec.value_names)
        current = ", ".join(f"{table}.{name}" for name in spec.value_names)
        incoming = ", ".join(f"EXCLUDED.{name}" for name in spec.value_names)
        sql = (
            f"WITH up AS (INSERT INTO {table} ({columns}, import_batch_id) "  # noqa: S608
            f"SELECT {columns}, %s FROM {STAGING} ORDER BY account_id, {spec.key_name} "
            f"ON CONFLICT (account_id, {spec.key_name}) DO UPDATE SET {assignments}, "
            f"import_batch_id = EXCLUDED.import_batch_id "
            f"WHERE ({current}) IS DISTINCT FROM ({incoming}) "
            f"RETURNING account_id, (xmax = 0) AS inserted) "
            f"SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), "
            f"array_agg(DISTINCT account_id) FROM up"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [batch_id])
            new, updated, account_ids = cursor.fetchone()
        return WriteResult(new=new, updated=updated, account_ids=tuple(account_ids or ()))

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
