"""The daily report email: yesterday's numbers to the admins, once per day."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
import time_machine
from django.core import mail

from accounts.roles import ADMINS
from reports import services, tasks
from reports.daily import CurrencyPnl, daily_summary
from reports.models import DailyReport
from tests.factories import staff_user

MARCH_12 = dt.date(2026, 3, 12)


@pytest.fixture
def admins(db, settings):
    settings.ADMINS = [("Ops", "ops@firm.example"), ("Dup", "ADA@firm.example")]
    return staff_user(ADMINS, "ada@firm.example")


def _attachment_rows(message) -> list[list[str]]:
    name, content, mimetype = message.attachments[0]
    assert mimetype == "text/csv"
    return list(csv.reader(io.StringIO(content)))


def test_summary_counts_breaches_passes_and_the_firm_pnl_of_one_day(firm):
    summary = daily_summary(MARCH_12)

    # a3's phase 2 failed (max_total_loss); b1's phase 1 passed.
    assert (summary.breaches, summary.hard_breaches, summary.failed_accounts) == (1, 1, 1)
    assert summary.passes == 1
    assert summary.passes_by_program == [{"program_name": "One-Step", "count": 1}]
    # No account sold, no payout; the day's closed trades: b1's +10,000 (its pass) and a3's
    # −10,500 (its failure).
    assert summary.pnl == [CurrencyPnl("USD", traders_net=D("-500.00"))]


def test_firm_pnl_is_fees_collected_minus_trader_shares_paid(firm):
    march_2 = {p.currency: p for p in daily_summary(dt.date(2026, 3, 2)).pnl}["USD"]
    assert (march_2.accounts_sold, march_2.fees, march_2.firm_pnl) == (3, 1380, 1380)  # 540×2+300

    march_30 = {p.currency: p for p in daily_summary(dt.date(2026, 3, 30)).pnl}["USD"]
    assert (march_30.payouts, march_30.paid, march_30.firm_pnl) == (1, 800, -800)


def test_the_report_is_emailed_to_settings_admins_and_the_admins_group(firm, admins):
    report = services.send_daily_report(MARCH_12)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["ada@firm.example", "ops@firm.example"]
    assert "2026-03-12" in message.subject and "1 breaches, 1 passes" in message.subject
    html = message.alternatives[0][0]
    assert "max_total_loss" in html and "One-Step" in html
    rows = _attachment_rows(message)
    assert rows[0] == [
        "kind",
        "time",
        "account",
        "trader",
        "program",
        "detail",
        "amount",
        "currency",
    ]
    assert [r[0] for r in rows[1:]] == ["breach", "pass"]
    assert report.sent_at is not None and report.summary["breaches"] == 1


def test_payouts_of_the_day_are_in_the_attachment(firm, admins):
    services.send_daily_report(dt.date(2026, 3, 30))
    rows = _attachment_rows(mail.outbox[0])
    assert rows[1][0] == "payout" and rows[1][6:] == ["800.00", "USD"]


def test_running_the_task_twice_sends_one_report(firm, admins):
    with time_machine.travel(dt.datetime(2026, 3, 13, 6, 10, tzinfo=dt.UTC)):
        first = tasks.send_daily_report.delay().get()
        second = tasks.send_daily_report.delay().get()

    assert first == {"sent": True, "day": "2026-03-12", "recipients": 2}
    assert second == {"sent": False}
    assert len(mail.outbox) == 1
    assert DailyReport.objects.get().day == MARCH_12


def test_a_claim_held_by_another_run_is_respected_until_it_goes_stale(firm, admins):
    with time_machine.travel(dt.datetime(2026, 3, 13, 6, 10, tzinfo=dt.UTC), tick=False):
        assert services.claim_daily_report(MARCH_12) is not None  # a run that then died
        assert services.send_daily_report(MARCH_12) is None
    with time_machine.travel(dt.datetime(2026, 3, 13, 6, 30, tzinfo=dt.UTC), tick=False):
        assert services.send_daily_report(MARCH_12) is not None
    assert len(mail.outbox) == 1


def test_a_failed_send_releases_the_claim_so_the_retry_sends(firm, admins, monkeypatch):
    from reports import emails

    real = emails.daily_report_message

    def broken(*args):
        message = real(*args)
        message.send = lambda: (_ for _ in ()).throw(ConnectionError("smtp down"))
        return message

    monkeypatch.setattr(emails, "daily_report_message", broken)
    with pytest.raises(ConnectionError):
        services.send_daily_report(MARCH_12)
    assert DailyReport.objects.get(day=MARCH_12).claimed_at is None

    monkeypatch.setattr(emails, "daily_report_message", real)
    assert services.send_daily_report(MARCH_12) is not None
    assert len(mail.outbox) == 1


def test_beat_runs_the_daily_report_every_morning(db):
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    # The data migration's own function (idempotent), in case a browser test flushed its rows.
    migration = importlib.import_module("reports.migrations.0003_daily_report_schedule")
    migration.Migration.operations[0].code(apps, None)
    task = PeriodicTask.objects.get(name="Reports: daily report")
    assert task.task == "reports.tasks.send_daily_report"
    assert (task.crontab.hour, task.crontab.minute) == ("6", "10")
