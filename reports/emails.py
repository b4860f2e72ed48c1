"""The daily report email: plain text and HTML with the key numbers, the day's rows as CSV."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from config.csv_export import csv_text

from .daily import CSV_HEADER, DailySummary


def daily_report_message(
    summary: DailySummary, rows: Iterable[tuple], recipients: list[str]
) -> EmailMultiAlternatives:
    context = {
        "summary": summary,
        "staff_url": settings.SITE_URL + reverse("reports:index"),
    }
    subject = (
        f"PropDesk daily report {summary.day:%Y-%m-%d}: {summary.breaches} breaches, "
        f"{summary.passes} passes, {sum(p.payouts for p in summary.pnl)} payouts"
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reports/email/daily_report.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("reports/email/daily_report.html", context), "text/html"
    )
    message.attach(
        f"propdesk-daily-{summary.day:%Y-%m-%d}.csv", csv_text(CSV_HEADER, rows), "text/csv"
    )
    return message
