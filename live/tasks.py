"""Celery tasks of live risk: a few lines each, calling a service; safe to run twice."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from live import notifications
from live.services import bars

RETRYING = {
    "acks_late": True,
    "autoretry_for": (OperationalError, SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "retry_kwargs": {"max_retries": 5},
}


@shared_task(**RETRYING)
def send_limit_alert(alert_id: int) -> bool:
    """Email the trader one near-limit warning, once ever."""
    return notifications.send_limit_alert(alert_id)


@shared_task(**RETRYING)
def prune_live_storage() -> dict:
    """Delete per-minute bars and late ticks past their retention (docs/live-risk.md)."""
    return bars.prune(
        minute_days=settings.LIVE_MINUTE_RETENTION_DAYS,
        late_days=settings.LIVE_LATE_TICK_RETENTION_DAYS,
    )
