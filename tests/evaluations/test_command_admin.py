"""Platform commands in the admin: the account page lists them, risk issues a failed one
again, support only reads."""

import pytest
from django.urls import reverse

from accounts import roles
from evaluations.models import PlatformCommand
from evaluations.services import commands
from tests.factories import PlatformCommandFactory, staff_user

pytestmark = pytest.mark.django_db
COMMANDS_URL = reverse("admin:evaluations_platformcommand_changelist")


@pytest.fixture
def failed():
    command = PlatformCommandFactory(reason="Daily loss broken")
    commands.claim_for_bridge(command.bridge)
    return commands.acknowledge(command.bridge, command.pk, ok=False, result={"error": "busy"})


def _signed_in(client, role):
    client.force_login(staff_user(role))
    return client


def test_the_account_page_lists_its_commands_with_the_bridges_error(client, failed):
    url = reverse("admin:evaluations_tradingaccount_change", args=[failed.account_id])

    html = _signed_in(client, roles.SUPPORT).get(url).content.decode()

    assert "Disable trading" in html and "Daily loss broken" in html
    assert "busy" in html


def test_risk_issues_a_failed_command_again(client, failed):
    response = _signed_in(client, roles.RISK).post(
        COMMANDS_URL,
        {"action": "issue_again", "_selected_action": [str(failed.pk)]},
        follow=True,
    )

    assert "1 command(s) issued again." in response.content.decode()
    again = PlatformCommand.objects.exclude(pk=failed.pk).get()
    assert (again.kind, again.status, again.account_id) == ("disable", "issued", failed.account_id)


def test_support_reads_commands_but_cannot_issue_them_again(client, failed):
    support = _signed_in(client, roles.SUPPORT)

    page = support.get(COMMANDS_URL).content.decode()

    assert "Disable trading" in page
    assert "issue_again" not in page
    assert PlatformCommand.objects.count() == 1


def test_finance_does_not_see_an_accounts_platform_commands(client, failed):
    url = reverse("admin:evaluations_tradingaccount_change", args=[failed.account_id])

    html = _signed_in(client, roles.FINANCE).get(url).content.decode()

    assert "Daily loss broken" not in html
