"""Finding 3 of the security review: one account whose sums overflow the money columns stopped
the risk engine for every account (`DataError`, 0 of 30 evaluated) and the task never retried.
Now each account's failure is isolated, recorded, shown to staff and alerted once; transient
database errors still propagate so the task retries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import OperationalError

from accounts.roles import RISK
from risk.models import AccountMetrics, EvaluationFailure
from risk.services import evaluation
from risk.services.evaluation import evaluate_account, evaluate_accounts
from tests.conftest import client_with_second_factor
from tests.factories import T0, TradeFactory, TradingAccountFactory, staff_user

pytestmark = pytest.mark.django_db


def _overflowing_account():
    """Two trades stored before imports bounded amounts: their sum exceeds numeric(18,2)."""
    account = TradingAccountFactory(status="active")
    for n in range(2):
        TradeFactory(
            account=account,
            profit=Decimal("9000000000000000.00"),
            open_time=T0 + dt.timedelta(hours=n),
            close_time=T0 + dt.timedelta(hours=n, minutes=30),
        )
    return account


@pytest.fixture
def firm(db):
    staff_user(RISK, "desk@firm.example")
    healthy = [TradingAccountFactory(status="active") for _ in range(3)]
    for account in healthy:
        TradeFactory(account=account, open_time=T0, close_time=T0 + dt.timedelta(hours=1))
    return healthy, _overflowing_account()


def test_finding_3_one_overflowing_account_does_not_stop_the_others(
    firm, django_capture_on_commit_callbacks
):
    healthy, broken = firm

    with django_capture_on_commit_callbacks(execute=True):
        report = evaluate_accounts([a.pk for a in (*healthy, broken)])

    assert report.errored == [broken.pk]
    assert set(AccountMetrics.objects.values_list("account_id", flat=True)) == {
        a.pk for a in healthy
    }
    failure = EvaluationFailure.objects.get(account=broken)
    assert failure.error_type == "DataError" and failure.resolved_at is None
    alerts = [m for m in mail.outbox if broken.login in m.subject]
    assert len(alerts) == 1 and "desk@firm.example" in alerts[0].to


def test_finding_3_a_failing_account_is_alerted_once_however_often_it_fails(
    firm, django_capture_on_commit_callbacks
):
    _, broken = firm

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert evaluate_account(broken.pk).errored == [broken.pk]

    failure = EvaluationFailure.objects.get(account=broken)
    assert failure.attempts == 3
    assert len([m for m in mail.outbox if broken.login in m.subject]) == 1


def test_finding_3_a_fixed_account_is_resolved_by_its_next_evaluation(firm):
    _, broken = firm
    evaluate_account(broken.pk)

    broken.trades.update(profit=Decimal("100.00"))
    report = evaluate_account(broken.pk)

    assert report.errored == [] and report.accounts == 1
    assert EvaluationFailure.objects.get(account=broken).resolved_at is not None


def test_finding_3_staff_see_the_failing_account_on_the_risk_monitor(firm):
    _, broken = firm
    evaluate_account(broken.pk)
    client = client_with_second_factor()
    client.force_login(staff_user(RISK))

    page = client.get("/staff/risk/").content.decode()

    assert "Accounts the engine could not evaluate" in page and broken.login in page


def test_finding_3_a_transient_database_error_is_raised_for_the_task_to_retry(firm, monkeypatch):
    healthy, _ = firm

    def database_went_away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(evaluation, "_evaluate_chunk", database_went_away)
    monkeypatch.setattr(evaluation, "_evaluate_one", database_went_away)

    with pytest.raises(OperationalError):
        evaluate_accounts([a.pk for a in healthy])
    assert not EvaluationFailure.objects.exists()
