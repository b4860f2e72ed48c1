"""The one write path of the reports app: send the daily report, once per day.

Once only, even when beat fires twice or two workers race: the task first makes sure a
`DailyReport` row exists for the day (unique on `day`), then *claims* it with one conditional
UPDATE (`sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < now − STALE_CLAIM)`); only the
run whose UPDATE touched the row sends. If sending raises, the claim is released so a retry
sends; a worker killed mid-send leaves a claim that goes stale after `STALE_CLAIM`, and the
next run sends then.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone

from accounts.notifications import role_recipients
from accounts.roles import ADMINS

from . import emails
from .daily import daily_rows, daily_summary
from .models import DailyReport

log = logging.getLogger(__name__)
STALE_CLAIM = dt.timedelta(minutes=15)


def admin_recipients() -> list[str]:
    """settings.ADMINS and the active users of the `admins` group."""
    return role_recipients(ADMINS)


def yesterday(now: dt.datetime | None = None) -> dt.date:
    """The UTC day before `now`: the day a morning report covers."""
    return (now or timezone.now()).astimezone(dt.UTC).date() - dt.timedelta(days=1)


def claim_daily_report(day: dt.date) -> DailyReport | None:
    """Take the day's report for this run, or None when it was sent or another run holds it."""
    DailyReport.objects.get_or_create(day=day)
    now = timezone.now()
    taken = (
        DailyReport.objects.filter(day=day, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM))
        .update(claimed_at=now)
    )
    return DailyReport.objects.get(day=day) if taken == 1 else None


def send_daily_report(day: dt.date | None = None) -> DailyReport | None:
    """Email the admins the report of `day` (default: yesterday, UTC) unless it was sent.

    Returns the sent report, or None when this run had nothing to do.
    """
    day = day or yesterday()
    report = claim_daily_report(day)
    if report is None:
        log.info("daily report for %s already sent or being sent", day)
        return None
    try:
        summary = daily_summary(day)
        recipients = admin_recipients()
        if recipients:
            emails.daily_report_message(summary, daily_rows(day), recipients).send()
        else:
            log.warning("daily report for %s: no admins to send it to", day)
    except Exception:
        DailyReport.objects.filter(pk=report.pk, claimed_at=report.claimed_at).update(
            claimed_at=None
        )
        raise
    report.sent_at = timezone.now()
    report.recipients = recipients
    report.summary = summary.as_dict()
    report.save(update_fields=["sent_at", "recipients", "summary"])
    return report
