"""Celery tasks of the reports app. Scheduled by beat (data migration
`reports/migrations/0003_daily_report_schedule.py`; admins edit the time in the admin)."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_kwargs={"max_retries": 5},
)
def send_daily_report(day: str | None = None) -> dict:
    """Send the report of `day` (ISO date; default yesterday, UTC) once; safe to run twice."""
    report = services.send_daily_report(dt.date.fromisoformat(day) if day else None)
    if report is None:
        return {"sent": False}
    return {"sent": True, "day": report.day.isoformat(), "recipients": len(report.recipients)}
