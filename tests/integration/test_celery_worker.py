"""A real Celery worker on Redis runs tasks against rows the test committed."""

import pytest
from django.db import transaction

from evaluations.tasks import send_account_opened_email
from tests.factories import TradingAccountFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_worker_reads_committed_account_and_emails_the_trader(celery_worker, smtp_sink):
    with transaction.atomic():
        account = TradingAccountFactory(login="7700123", trader__email="ana@example.com")
        transaction.on_commit(lambda: send_account_opened_email.delay(account.pk))

    messages = smtp_sink.wait_for(1)

    assert len(messages) == 1
    assert messages[0]["To"] == "ana@example.com"
    assert "7700123" in messages[0]["Subject"]
    assert "7700123" in messages[0].get_payload()


def test_worker_result_comes_back_through_redis(celery_worker):
    account = TradingAccountFactory()

    result = send_account_opened_email.delay(account.pk)

    assert result.get(timeout=30) is True
    assert send_account_opened_email.delay(account.pk + 999).get(timeout=30) is False
