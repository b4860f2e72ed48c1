"""Celery tasks of the imports: a few lines each, calling a service; safe to run twice.

`run_upload` imports an admin upload that `imports.service.queue_upload` stored and queued
(docs/import-formats.md "The admin upload"). It acks late, so a worker lost mid-import gives the
message back and the batch, still "running", is imported again from the start.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from imports.service import run_queued_import


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=True,
    retry_kwargs={"max_retries": 5},
)
def run_upload(batch_id: int) -> str:
    """Import the queued upload `batch_id`; its outcome is the batch. Does nothing (and says
    so) when the batch already has its outcome or another worker is importing it."""
    batch = run_queued_import(int(batch_id))
    return batch.status if batch is not None else "skipped"
