"""Every transition is audited (log + history); the right people are emailed, once."""

from decimal import Decimal

import pytest
from django.core import mail

from payouts import services, tasks
from payouts.models import PayoutAction, PayoutTransition

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_new_request_emails_every_finance_user_once(
    funded_account, finance, finance_2, support, after_cycle, on_commit
):
    with on_commit():
        payout = services.request_payout(funded_account, by=funded_account.trader)

    [message] = mail.outbox
    assert sorted(message.to) == ["fin.one@firm.example", "fin.two@firm.example"]
    assert f"#{payout.pk}" in message.subject
    assert "2000.00 USD" in message.body
    assert f"/payouts/{payout.pk}/" in message.body


def test_trader_is_emailed_on_approval_rejection_and_payment(
    funded_account, finance, finance_2, after_cycle, on_commit, recompute_calls
):
    trader_email = funded_account.trader.email
    payout = services.request_payout(funded_account, by=funded_account.trader)
    with on_commit():
        services.approve_payout(payout, by=finance)
    with on_commit():
        services.mark_payout_paid(payout, by=finance_2, reference="WIRE-77")

    approved, paid = mail.outbox
    assert approved.to == [trader_email]
    assert "approved" in approved.subject
    assert paid.to == [trader_email]
    assert "is paid" in paid.subject
    assert "WIRE-77" in paid.body


def test_rejection_email_carries_the_reason(funded_account, finance, after_cycle, on_commit):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    with on_commit():
        services.reject_payout(payout, by=finance, reason="Name on the bank account differs")

    [message] = mail.outbox
    assert message.to == [funded_account.trader.email]
    assert "Name on the bank account differs" in message.body


def test_cancel_and_first_approval_email_nobody(
    funded_account, finance, after_cycle, on_commit, settings
):
    settings.PAYOUT_SECOND_APPROVER_THRESHOLD = Decimal("10")
    payout = services.request_payout(funded_account, by=funded_account.trader)
    with on_commit():
        services.approve_payout(payout, by=finance)
    assert mail.outbox == []
    with on_commit():
        services.reject_payout(payout, by=finance, reason="x")
    assert len(mail.outbox) == 1


def test_email_task_sends_once_however_often_it_runs(funded_account, after_cycle):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    transition = payout.transitions.get()

    assert tasks.send_payout_email(transition.pk) is True
    assert tasks.send_payout_email(transition.pk) is False
    transition.refresh_from_db()
    assert transition.notified_at is not None


def test_every_transition_is_logged_with_who_when_from_to_why(
    funded_account, finance, finance_2, after_cycle, recompute_calls
):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    services.approve_payout(payout, by=finance, note="Checked bank details")
    services.mark_payout_paid(payout, by=finance_2, reference="WIRE-9")

    rows = list(
        PayoutTransition.objects.filter(payout=payout).values_list(
            "action", "from_status", "to_status", "by__email", "note"
        )
    )
    assert rows == [
        (PayoutAction.REQUESTED, "", "requested", funded_account.trader.email, ""),
        (PayoutAction.APPROVED, "requested", "approved", finance.email, "Checked bank details"),
        (PayoutAction.PAID, "approved", "paid", finance_2.email, "WIRE-9"),
    ]
    history = list(payout.history.order_by("history_date").values_list("status", "history_user"))
    assert history == [
        ("requested", funded_account.trader.pk),
        ("approved", finance.pk),
        ("paid", finance_2.pk),
    ]


def test_admin_history_page_shows_the_transitions(
    funded_account, finance, admin_client, after_cycle
):
    payout = services.request_payout(funded_account, by=funded_account.trader)
    services.reject_payout(payout, by=finance, reason="Incomplete KYC documents")

    history = admin_client.get(f"/admin/payouts/payoutrequest/{payout.pk}/history/")
    change = admin_client.get(f"/admin/payouts/payoutrequest/{payout.pk}/change/")

    assert history.status_code == 200
    assert finance.email in history.content.decode()
    assert change.status_code == 200
    assert "Incomplete KYC documents" in change.content.decode()


def test_a_payment_stands_when_the_broker_is_down(
    funded_account, finance, finance_2, after_cycle, on_commit, monkeypatch, caplog
):
    """The payment is saved and answered; the email and recompute that cannot be queued are
    logged (docs/deployment.md, "Redis restarts"), not turned into an error after the fact."""
    from kombu.exceptions import OperationalError

    from risk import tasks as risk_tasks

    payout = services.request_payout(funded_account, by=funded_account.trader)
    services.approve_payout(payout, by=finance)

    def broker_down(*args, **options):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_payout_email, "apply_async", broker_down)
    monkeypatch.setattr(risk_tasks.recompute_accounts, "apply_async", broker_down)
    with on_commit():
        services.mark_payout_paid(payout, by=finance_2, reference="WIRE-78")

    payout.refresh_from_db()
    assert payout.status == "paid"
    assert mail.outbox == []
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("send_payout_email" in line and "not queued" in line for line in logged)
    assert any("recompute_accounts" in line and "not queued" in line for line in logged)
