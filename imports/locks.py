"""Imports of one account run one at a time: a transaction-level advisory lock per account.

Two imports of the same account at once would otherwise both read "not stored yet" and both
insert: the second then fails on the unique key (or, with a retry that skips conflicts,
keeps the first's values and reports its own rows as unchanged). Staging and checking run in
parallel (they touch only the import's own temporary table); the merge into the trade and
snapshot tables waits here, inside the import's transaction, until every import of the same
accounts that started merging earlier has committed or rolled back. Under READ COMMITTED
the merge's next statement then sees that import's rows, so it counts them as updated or
unchanged, truthfully.

Locks (PostgreSQL `pg_advisory_xact_lock`, released at commit or rollback):
- every import holds the "all imports" lock `(IMPORT_LOCKS, ALL_ACCOUNTS)` shared, and one
  exclusive lock `(IMPORT_LOCKS, account id)` per account it writes, taken in account-id
  order, so two imports never wait for each other in a cycle;
- an import of more than MAX_ACCOUNT_LOCKS accounts (a firm-wide canonical CSV) takes the
  "all imports" lock exclusively instead: it waits for every import in progress and holds
  the others back while it merges. This bounds the locks one transaction holds (PostgreSQL's
  lock table has room for `max_locks_per_transaction` = 64 per connection by default; ten
  thousand account locks would fail with "out of shared memory").
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

# First key of every import lock: a constant no other advisory lock in PropDesk uses
# ("IMPT" read as four ASCII bytes).
IMPORT_LOCKS = 0x494D5054
# Second key of the lock every import holds: an account lock key is never negative.
ALL_ACCOUNTS = -1
MAX_ACCOUNT_LOCKS = 32
_INT4 = 2**31


def account_lock_key(account_id: int) -> int:
    """The second key of an account's lock (an int4): the id itself below 2**31.

    Ids beyond share a key with a smaller one, which only makes those accounts' imports
    wait for each other.
    """
    return account_id % _INT4


def lock_accounts_for_import(account_ids: Iterable[int]) -> None:
    """Wait until no other import is merging rows of these accounts; hold them until commit.

    Must run inside the import's transaction, before its first read of the target table.
    """
    keys = sorted({account_lock_key(account_id) for account_id in account_ids})
    with connection.cursor() as cursor:
        if len(keys) > MAX_ACCOUNT_LOCKS:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", [IMPORT_LOCKS, ALL_ACCOUNTS]
            )
            return
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(%s::int4, %s::int4)", [IMPORT_LOCKS, ALL_ACCOUNTS]
        )
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", [IMPORT_LOCKS, key])
