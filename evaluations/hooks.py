"""The one hook by which a floor below `risk` sets off work above it: recomputing accounts.

`evaluations` and `imports` stand below `risk` (docs/architecture.md), so they never import the
risk engine. Risk registers its task here when Django starts (`risk.apps.RiskConfig.ready`):

    hooks.register_recompute(recompute_accounts)   # a Celery task taking list[int]

Callers: the import service after it commits trades or snapshots, and the evaluations services
that change what an account's metrics are computed from (a trade edited or deleted by risk
staff, a balance operation added by finance). `enqueue_recompute(ids)` sends the registered
task once, after the transaction commits, with the ids of the accounts whose data changed. With
nothing registered (the app used on its own), nothing is queued and a warning is logged.

If Redis cannot be reached at commit, the write still succeeds and the error is logged; the beat
task "Risk: day rollover" re-evaluates every open account within 15 minutes
(docs/deployment.md, "Redis restarts").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from config.celery import enqueue

log = logging.getLogger(__name__)

_recompute_task = None


def register_recompute(task) -> None:
    """Name the Celery task that recomputes accounts (called once, by the risk app)."""
    global _recompute_task
    _recompute_task = task


def enqueue_recompute(account_ids: Iterable[int]) -> None:
    """Queue the registered recompute task with these ids once the transaction commits."""
    ids = sorted(set(account_ids))
    if ids:
        transaction.on_commit(lambda: send_recompute(ids))


def send_recompute(account_ids: list[int]) -> bool:
    """Send the recompute task now; False when it was not queued: no task is registered, or the
    broker is unreachable (logged, never raised)."""
    if _recompute_task is None:
        log.warning("no recompute task registered: %d account(s) not queued", len(account_ids))
        return False
    return enqueue(_recompute_task, account_ids)


# --- new trades arrived: the abuse app's incremental scan (abuse.apps.AbuseConfig.ready)
#
# The same pattern, for work that reads the new trades rather than an account's whole record:
# the import service calls `enqueue_trades_arrived(batch_id, account_ids)` after it commits
# trades (a file or a bridge push); the registered task scans the window around them.

_trades_arrived_task = None


def register_trades_arrived(task) -> None:
    """Name the Celery task told about newly imported trades (called once, by the abuse app)."""
    global _trades_arrived_task
    _trades_arrived_task = task


def enqueue_trades_arrived(batch_id: int, account_ids: Iterable[int]) -> None:
    """Queue the registered task with the import batch and its accounts once committed."""
    ids = sorted(set(account_ids))
    if ids and _trades_arrived_task is not None:
        task = _trades_arrived_task
        transaction.on_commit(lambda: enqueue(task, batch_id, ids))
