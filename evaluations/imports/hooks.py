"""After an import commits, the accounts whose trades or snapshots changed are recomputed.

The risk engine's task is `risk.tasks.recompute_accounts(account_ids: list[int])`. It is
imported lazily so imports work (and nothing is queued) while that task does not exist.

If Redis cannot be reached when the import commits, the import still succeeds (the trades are
saved) and the error is logged; the beat task "Risk: day rollover" re-evaluates every open
account within 15 minutes (docs/deployment.md, "Redis restarts").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from config.celery import enqueue

log = logging.getLogger(__name__)


def enqueue_recompute(account_ids: Iterable[int]) -> None:
    """Queue `risk.tasks.recompute_accounts(ids)` once the transaction commits."""
    ids = sorted(set(account_ids))
    if ids:
        transaction.on_commit(lambda: send_recompute(ids))


def send_recompute(account_ids: list[int]) -> bool:
    """Send the recompute task now; False when it was not queued: the risk app has no such
    task (yet), or the broker is unreachable (logged, never raised)."""
    try:
        from risk import tasks
    except ImportError:
        log.warning("risk.tasks is missing: %d account(s) not queued", len(account_ids))
        return False
    task = getattr(tasks, "recompute_accounts", None)
    if task is None:
        log.warning("risk.tasks.recompute_accounts is missing: recompute not queued")
        return False
    return enqueue(task, account_ids)
