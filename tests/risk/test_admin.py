"""The risk desk's admin: find violations, read their evidence, review them, keep the calendar."""

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from risk.models import EconomicEvent, Violation, ViolationStatus
from risk.services.evaluation import evaluate_account
from tests.factories import staff_user

from .builders import DAILY_5, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def violation():
    account = account_in(
        two_phase_program([DAILY_5]), login="6600777", trader__email="zoe@example.com"
    )
    trade(account, "-6000.00", ticket="TK-4242")
    evaluate_account(account.pk, notify=False)
    return Violation.objects.get(account=account)


@pytest.fixture
def risk_client(client):
    client.force_login(staff_user("risk", "analyst@firm.example"))
    return client


def test_violation_list_finds_by_trader_email_and_shows_the_numbers(risk_client, violation):
    response = risk_client.get(reverse("admin:risk_violation_changelist"), {"q": "zoe@"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "6600777" in page
    assert "95000.00 USD" in page
    assert "94000.00 USD" in page

    response = risk_client.get(reverse("admin:risk_violation_changelist"), {"q": "nobody"})
    assert "6600777" not in response.content.decode()


def test_violation_page_renders_the_evidence_trades(risk_client, violation):
    response = risk_client.get(reverse("admin:risk_violation_change", args=[violation.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "#TK-4242" in page
    assert "100000.00 USD" in page  # the reference, from cents in the details
    assert violation.message.split(" fell")[0] in page


@pytest.mark.parametrize(
    ("action", "status"),
    [("acknowledge", ViolationStatus.ACKNOWLEDGED), ("dismiss", ViolationStatus.DISMISSED)],
)
def test_review_actions_record_who_and_when(risk_client, violation, action, status):
    response = risk_client.post(
        reverse("admin:risk_violation_changelist"),
        {"action": action, "_selected_action": [violation.pk]},
    )

    assert response.status_code == 302
    violation.refresh_from_db()
    assert violation.status == status
    assert violation.reviewed_by.email == "analyst@firm.example"
    assert violation.reviewed_at is not None
    [event] = AuditEvent.objects.filter(action=AuditAction.VIOLATION_REVIEWED)
    assert event.actor.email == "analyst@firm.example"
    assert (event.object_type, event.object_id) == ("risk.violation", str(violation.pk))
    assert (event.data["before"], event.data["after"]) == ({"status": "open"}, {"status": status})


def test_support_sees_violations_but_cannot_review_them(client, violation):
    client.force_login(staff_user("support", "helper@firm.example"))

    assert client.get(reverse("admin:risk_violation_changelist")).status_code == 200
    client.post(
        reverse("admin:risk_violation_changelist"),
        {"action": "dismiss", "_selected_action": [violation.pk]},
    )

    violation.refresh_from_db()
    assert violation.status == ViolationStatus.OPEN


def test_metrics_are_read_only(risk_client, violation):
    assert risk_client.get(reverse("admin:risk_accountmetrics_add")).status_code == 403
    url = reverse("admin:risk_accountmetrics_change", args=[violation.account_id])
    assert risk_client.get(url).status_code == 200


def test_risk_staff_keep_the_economic_calendar(risk_client):
    response = risk_client.post(
        reverse("admin:risk_economicevent_add"),
        {
            "time_0": "2026-03-06",
            "time_1": "13:30:00",
            "currency": "USD",
            "impact": "high",
            "title": "Non-farm payrolls",
        },
    )

    assert response.status_code == 302
    event = EconomicEvent.objects.get()
    assert (event.currency, event.impact, event.time.hour) == ("USD", "high", 13)
