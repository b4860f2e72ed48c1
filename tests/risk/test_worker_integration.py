"""End to end with a real Celery worker on Redis and a real SMTP server: a committed breaching
trade fails the account and emails the risk desk exactly once, and the trader once."""

import time

import pytest
from django.db import transaction

from evaluations.models import AccountStatus
from risk.models import Violation
from risk.tasks import recompute_accounts, send_violation_notification

from .builders import DAILY_5, TARGET_10, account_in, trade, two_phase_program

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

RISK_DESK = "riskdesk@propdesk.test"  # ADMINS of the worker (tests/conftest.py)


def _wait_for_status(account, status, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        account.refresh_from_db()
        if account.status == status:
            return
        time.sleep(0.05)


def test_breach_fails_the_account_and_emails_once_even_when_run_again(celery_worker, smtp_sink):
    program = two_phase_program([DAILY_5, TARGET_10])
    with transaction.atomic():
        account = account_in(program, login="7712345", trader__email="trader.ana@example.com")
        trade(account, "-5600.00", ticket="BRK-1")
        account_id = account.pk
        transaction.on_commit(lambda: recompute_accounts.delay([account_id]))

    messages = smtp_sink.wait_for(2)
    _wait_for_status(account, AccountStatus.FAILED)

    assert account.status == AccountStatus.FAILED
    assert sorted(m["X-Rcpt-To"] for m in messages) == [RISK_DESK, "trader.ana@example.com"]
    desk = next(m for m in messages if m["X-Rcpt-To"] == RISK_DESK)
    assert "7712345" in desk["Subject"]
    body = desk.get_payload()
    assert "#BRK-1" in body
    assert "http://testserver/admin/risk/violation/" in body

    # Run the recompute again and re-deliver the notification task: nothing more is sent.
    violation = Violation.objects.get(account=account)
    assert recompute_accounts.delay([account_id]).get(timeout=30)["accounts"] == 1
    assert send_violation_notification.delay(violation.pk).get(timeout=30) == {
        "risk_desk": False,
        "trader": False,
    }
    time.sleep(0.5)
    assert len(smtp_sink.messages) == 2
    assert Violation.objects.filter(account=account).count() == 1
