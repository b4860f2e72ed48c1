"""Celery tasks of abuse detection: a few lines each, calling a service; safe to run twice
(findings are keyed, cases idempotent). The nightly full scan is scheduled in
django-celery-beat (abuse/migrations/0002_roles_and_nightly_scan.py)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from risk.tasks import RETRYING

from .services import scan


@shared_task(**RETRYING)
def scan_new_trades(batch_id: int, account_ids: list[int]) -> dict:
    """The incremental scan after an import or bridge push (evaluations.hooks)."""
    return asdict(scan.scan_new_trades(batch_id, account_ids))


@shared_task(**RETRYING)
def full_scan() -> dict:
    """The nightly firm-wide scan of the lookback period."""
    return asdict(scan.full_scan())
