"""PostgreSQL fast path: COPY rows into a temporary staging table, then update + insert.

    COPY staging FROM STDIN              -- text blocks (canonical CSV) or `write_row` per row
    UPDATE target FROM staging WHERE same key AND (target.*) IS DISTINCT FROM (staged.*)
    INSERT INTO target SELECT … FROM staging WHERE NOT EXISTS (same key in target)

updated = rows the UPDATE returned, new = rows the INSERT returned, unchanged = staged − new −
updated (rows whose data did not differ are not touched). Before the UPDATE the import takes
its accounts' advisory locks (imports/locks.py): concurrent imports of one account merge one
after the other, each seeing the rows the earlier one committed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction

from evaluations.models import TradingAccount

from .locks import lock_accounts_for_import
from .rows import RowError
from .specs import TableSpec, WriteResult

# Identifiers in the SQL below come from the constant TableSpecs, never from input (S608).
STAGING = "propdesk_import_staging"
ACCOUNTS = TradingAccount._meta.db_table


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

    def stage_text(self, blocks: Iterable[tuple[str, int]]) -> None:
        """COPY ready-made text-format blocks `(lines, row count)` into the staging table."""
        names = ", ".join(("line", "account_id", self.spec.key_name, *self.spec.value_names))
        count = 0
        sql = f"COPY {STAGING} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            write = copy.write
            for text, rows in blocks:
                write(text)
                count += rows
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
        """Update keys whose data differ, then insert keys not in the table yet.

        First waits for any other import of the same accounts to commit (imports/locks.py):
        both statements below then see its rows, so a key it stored counts here as updated
        (our data differs; ours is stored) or unchanged, never as new and never lost.

        The INSERT is a plain anti-join (no speculative insertion per row). Only a writer
        outside the import service (none today) could insert one of our keys between the
        two statements; the INSERT is then repeated as an upsert that updates those rows and
        counts them as updated, so the report stays true and nothing is dropped.
        """
        spec, table, key = self.spec, self.spec.table, self.spec.key_name
        columns = ", ".join(("account_id", key, *spec.value_names))
        assignments = ", ".join(f"{name} = s.{name}" for name in spec.value_names)
        current = ", ".join(f"t.{name}" for name in spec.value_names)
        incoming = ", ".join(f"s.{name}" for name in spec.value_names)
        update = (
            f"WITH up AS (UPDATE {table} t SET {assignments}, "  # noqa: S608
            f"import_batch_id = %s FROM {STAGING} s "
            f"WHERE t.account_id = s.account_id AND t.{key} = s.{key} "
            f"AND ({current}) IS DISTINCT FROM ({incoming}) RETURNING t.account_id) "
            f"SELECT account_id, count(*) FROM up GROUP BY account_id"
        )
        insert = (
            f"WITH ins AS (INSERT INTO {table} ({columns}, import_batch_id) "  # noqa: S608
            f"SELECT {columns}, %s FROM {STAGING} s WHERE NOT EXISTS "
            f"(SELECT FROM {table} t WHERE t.account_id = s.account_id AND t.{key} = s.{key}) "
            f"ORDER BY account_id, {key} RETURNING account_id) "
            f"SELECT account_id, count(*) FROM ins GROUP BY account_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT account_id FROM {STAGING}")  # noqa: S608
            lock_accounts_for_import(account_id for (account_id,) in cursor.fetchall())
            cursor.execute(f"ANALYZE {STAGING}")
            cursor.execute(update, [batch_id])
            updated_by_account = dict(cursor.fetchall())
            try:
                with transaction.atomic():
                    cursor.execute(insert, [batch_id])
                    new_by_account = dict(cursor.fetchall())
            except IntegrityError:  # someone outside the import service inserted our key
                new_by_account, also_updated = self._insert_or_update(cursor, batch_id)
                for account_id, count in also_updated.items():
                    updated_by_account[account_id] = updated_by_account.get(account_id, 0) + count
        account_ids = sorted({*updated_by_account, *new_by_account})
        return WriteResult(
            new=sum(new_by_account.values()),
            updated=sum(updated_by_account.values()),
            account_ids=tuple(account_ids),
            new_by_account=new_by_account,
        )

    def staged_by_account(self) -> dict[int, tuple[int, object]]:
        """account id -> (rows staged, their net profit) after repeats were resolved; the net
        is None for snapshots. One grouped query over the staging table, not a row loop."""
        net = "sum(profit + commission + swap + fees)" if self.spec.kind == "trades" else "NULL"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT account_id, count(*), {net} FROM {STAGING} GROUP BY account_id"  # noqa: S608
            )
            return {account_id: (rows, total) for account_id, rows, total in cursor.fetchall()}

    def _insert_or_update(self, cursor, batch_id: int) -> tuple[dict, dict]:
        """The INSERT as an upsert: (rows inserted, rows updated), each per account id.

        Every staged row is offered again: a stored row (one the UPDATE already brought up
        to date, or one that appeared since) is updated only when its data differ, counted
        as updated, and left alone otherwise (unchanged); `xmax = 0` tells an inserted row
        from an updated one.
        """
        spec, table, key = self.spec, self.spec.table, self.spec.key_name
        columns = ", ".join(("account_id", key, *spec.value_names))
        assignments = ", ".join(f"{name} = excluded.{name}" for name in spec.value_names)
        current = ", ".join(f"t.{name}" for name in spec.value_names)
        incoming = ", ".join(f"excluded.{name}" for name in spec.value_names)
        cursor.execute(
            f"WITH ins AS (INSERT INTO {table} AS t ({columns}, import_batch_id) "  # noqa: S608
            f"SELECT {columns}, %s FROM {STAGING} ORDER BY account_id, {key} "
            f"ON CONFLICT (account_id, {key}) DO UPDATE SET {assignments}, "
            f"import_batch_id = excluded.import_batch_id "
            f"WHERE ({current}) IS DISTINCT FROM ({incoming}) "
            f"RETURNING t.account_id, (t.xmax = 0) AS inserted) "
            f"SELECT account_id, count(*) FILTER (WHERE inserted), "
            f"count(*) FILTER (WHERE NOT inserted) FROM ins GROUP BY account_id",
            [batch_id],
        )
        rows = cursor.fetchall()
        return {a: new for a, new, _ in rows if new}, {a: up for a, _, up in rows if up}

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
