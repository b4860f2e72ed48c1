"""Who gets each staff email, from one definition (`accounts.notifications.role_recipients`).

One firm with every kind of staff member: each email goes to exactly the people its desk
expects — active members of the role with an address, plus settings.ADMINS for the risk desk
and the daily report — once each, whatever the case of their address.
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from accounts.notifications import role_recipients
from accounts.roles import ADMINS, FINANCE, RISK, SUPPORT
from payouts import services as payout_services
from reports import services as report_services
from risk import notifications as risk_notifications
from risk.models import Violation
from risk.services.evaluation import evaluate_account
from tests.builders import funded_account
from tests.factories import UserFactory, staff_user
from tests.payouts.conftest import AFTER_CYCLE, PROFIT_2500
from tests.risk.builders import DAILY_5, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ADMINS = [("Ops", "Ops@Firm.example"), ("Risk lead", "RISK.LEAD@firm.example")]
    staff_user(ADMINS, "ada@firm.example")
    staff_user(RISK, "risk.lead@firm.example")  # also in ADMINS, other case: one copy
    staff_user(RISK, "analyst@firm.example")
    staff_user(FINANCE, "fin.one@firm.example")
    staff_user(FINANCE, "Fin.Two@firm.example")
    staff_user(SUPPORT, "support@firm.example")
    UserFactory(email="", roles=[RISK])  # no address
    UserFactory(email="", roles=[FINANCE])
    UserFactory(email="gone.risk@firm.example", roles=[RISK], is_active=False)
    UserFactory(email="gone.fin@firm.example", roles=[FINANCE], is_active=False)
    UserFactory(email="both@firm.example", roles=[RISK, FINANCE])


def test_role_recipients_are_active_members_with_an_address_and_optionally_site_admins(firm):
    assert role_recipients(RISK) == [
        "analyst@firm.example",
        "both@firm.example",
        "ops@firm.example",
        "risk.lead@firm.example",
    ]
    assert role_recipients(FINANCE, with_site_admins=False) == [
        "both@firm.example",
        "fin.one@firm.example",
        "fin.two@firm.example",
    ]


def test_a_violation_emails_the_risk_desk_and_settings_admins(firm):
    account = account_in(two_phase_program([DAILY_5]), login="7001234", trader=None)
    trade(account, "-6000.00", hours=3, ticket="T-1")
    evaluate_account(account.pk, notify=False)
    violation = Violation.objects.get(account=account)

    assert risk_notifications.notify_risk_desk(violation.pk)

    [message] = mail.outbox
    assert sorted(message.to) == [
        "analyst@firm.example",
        "both@firm.example",
        "ops@firm.example",
        "risk.lead@firm.example",
    ]


def test_a_payout_request_emails_finance_only(firm, django_capture_on_commit_callbacks):
    account = funded_account(daily_profits=PROFIT_2500)
    with (
        time_machine.travel(AFTER_CYCLE, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        payout_services.request_payout(account, by=account.trader)

    [message] = mail.outbox
    assert sorted(message.to) == [
        "both@firm.example",
        "fin.one@firm.example",
        "fin.two@firm.example",
    ]


def test_the_daily_report_emails_the_admins_group_and_settings_admins(firm):
    report_services.send_daily_report(dt.date(2026, 3, 12))

    [message] = mail.outbox
    assert sorted(message.to) == ["ada@firm.example", "ops@firm.example", "risk.lead@firm.example"]
