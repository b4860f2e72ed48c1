"""The full recompute on several CPU cores: contiguous slices of accounts, one process each.

The engine is pure Python, so one process uses one core. `evaluate_accounts_in_processes`
forks `processes` children (each with its own database connection) that run
`evaluate_accounts` on disjoint slices; their row locks never overlap. For the command line and
the benchmark: a Celery worker process may not fork children, so there `recompute_all` fans out
one `recompute_accounts` task per chunk instead and the worker pool gives the parallelism.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Iterable

from django.db import connection, connections

from .evaluation import EvaluationReport, evaluate_accounts

MIN_SLICE = 2_000  # fewer accounts than this per process are not worth a fork


def _child(args: tuple[list[int], dt.datetime | None, bool]) -> EvaluationReport:
    account_ids, as_of, notify = args
    try:
        return evaluate_accounts(account_ids, as_of=as_of, notify=notify)
    finally:
        connections.close_all()


def evaluate_accounts_in_processes(
    account_ids: Iterable[int],
    *,
    processes: int | None = None,
    as_of: dt.datetime | None = None,
    notify: bool = True,
) -> EvaluationReport:
    """`evaluate_accounts` split over `processes` forked processes (default: CPU count), each
    with at least MIN_SLICE accounts; small sets run in this process."""
    ids = sorted(set(account_ids))
    processes = max(1, min(processes or os.cpu_count() or 1, len(ids) // MIN_SLICE))
    # Inside a transaction the children could not see its uncommitted rows: stay in-process.
    if processes == 1 or connection.in_atomic_block:
        return evaluate_accounts(ids, as_of=as_of, notify=notify)
    size = -(-len(ids) // processes)
    slices = [ids[i : i + size] for i in range(0, len(ids), size)]
    connections.close_all()  # children must not share the parent's connection
    with multiprocessing.get_context("fork").Pool(len(slices)) as pool:
        reports = pool.map(_child, [(s, as_of, notify) for s in slices])
    report = EvaluationReport()
    for part in reports:
        report.merge(part)
    return report
