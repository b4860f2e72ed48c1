"""A violation emails the risk desk once ever (and the trader once, for the failing breach)."""

import threading
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.db import connection

from risk import notifications
from risk.models import Violation
from risk.services.evaluation import evaluate_account
from risk.tasks import send_violation_notification
from tests.factories import staff_user

from .builders import DAILY_5, account_in, trade, two_phase_program


@pytest.fixture
def desk(settings):
    settings.ADMINS = [("Risk Desk", "Desk@Firm.example")]
    settings.SITE_URL = "https://backoffice.firm.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    staff_user("risk", "analyst@firm.example")
    inactive = staff_user("risk", "former@firm.example")
    inactive.is_active = False
    inactive.save()
    staff_user("finance", "finance@firm.example")


def failed_account_violation(reset_tz: str = "Europe/Prague") -> Violation:
    account = account_in(
        two_phase_program([DAILY_5], reset_tz=reset_tz), login="7001234", trader=None
    )
    trade(account, "-6000.00", hours=3, ticket="T-778899")
    evaluate_account(account.pk, notify=False)
    return Violation.objects.get(account=account)


@pytest.mark.django_db
def test_risk_desk_is_emailed_once_however_often_the_task_runs(desk):
    violation = failed_account_violation()

    send_violation_notification(violation.pk)
    send_violation_notification(violation.pk)
    send_violation_notification.delay(violation.pk)  # a re-delivery

    desk_mails = [m for m in mail.outbox if "analyst@firm.example" in m.to]
    assert len(desk_mails) == 1
    assert sorted(desk_mails[0].to) == ["analyst@firm.example", "desk@firm.example"]
    trader_mails = [m for m in mail.outbox if m.to == [violation.account.trader.email]]
    assert len(trader_mails) == 1
    violation.refresh_from_db()
    assert violation.notified_at is not None
    assert violation.trader_notified_at is not None


@pytest.mark.django_db
def test_risk_desk_email_explains_the_breach_with_numbers_times_trades_and_links(desk):
    violation = failed_account_violation(reset_tz="Europe/Prague")

    notifications.notify_risk_desk(violation.pk)

    (message,) = mail.outbox
    body = message.body
    assert "7001234" in message.subject
    assert "Max daily loss" in message.subject
    assert "95000.00 USD" in body  # threshold
    assert "94000.00 USD" in body  # observed
    # closed at 11:00 UTC on Monday 2 March 2026 = 12:00 in Prague (CET)
    assert "2026-03-02 12:00:00 Europe/Prague" in body
    assert "2026-03-02 11:00:00 UTC" in body
    assert "#T-778899" in body
    assert f"https://backoffice.firm.example/admin/risk/violation/{violation.pk}/change/" in body
    assert violation.message in body


@pytest.mark.django_db
def test_trader_is_told_the_account_failed_without_admin_links(desk):
    violation = failed_account_violation()

    notifications.notify_trader(violation.pk)

    (message,) = mail.outbox
    assert message.to == [violation.account.trader.email]
    assert "7001234" in message.subject and "failed" in message.subject
    assert "95000.00 USD" in message.body
    assert "/admin/" not in message.body


@pytest.mark.django_db
def test_soft_violation_emails_the_desk_but_not_the_trader(desk):
    account = account_in(two_phase_program([("max_position_size", "soft", {"max_volume": "5"})]))
    trade(account, "10.00", volume="7.00")
    evaluate_account(account.pk, notify=False)
    violation = Violation.objects.get(account=account)

    result = send_violation_notification(violation.pk)

    assert result == {"risk_desk": True, "trader": False}
    assert len(mail.outbox) == 1
    assert account.trader.email not in mail.outbox[0].to


@pytest.mark.django_db
def test_failed_send_releases_the_claim_so_a_retry_sends(desk):
    violation = failed_account_violation()

    with (
        mock.patch("risk.notifications.send_mail", side_effect=SMTPException("421 busy")),
        pytest.raises(SMTPException),
    ):
        notifications.notify_risk_desk(violation.pk)
    violation.refresh_from_db()
    assert violation.notified_at is None

    assert notifications.notify_risk_desk(violation.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_missing_violation_sends_nothing(desk):
    assert send_violation_notification(424242) == {"risk_desk": False, "trader": False}
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_one_email(desk):
    violation = failed_account_violation()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(notifications.notify_risk_desk(violation.pk))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert sorted(results) == [False, True]
    assert len([m for m in mail.outbox if "desk@firm.example" in m.to]) == 1
