"""Finding 1 of the security review: one support user could redirect an approved payout.

Support edited `payout_details` in the profile admin, the payout request did not record where it
was paid and the payment run read the profile at export time. Now the destination is
snapshotted on the request, only the trader changes it (re-authentication, a link emailed to
their current address, a cooling-off period before a payout to it is approved) or staff with a
second person's approval, and the admin shows it read-only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, TraderProfile
from payouts import payee, services
from payouts.models import PayeeChange, PayeeChangeStatus, PayoutStatus
from tests import builders
from tests.conftest import client_with_second_factor

from .conftest import PROFIT_2500

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"
ORIGINAL = "IBAN DE89 3704 0044 0532 0130 00, Ana Trader"
NEW_IBAN = "GB33BUKB20201555555555"
NEW_DETAILS = "IBAN GB33 BUKB 2020 1555 5555 55, Ana Trader"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def account(db):
    account = builders.funded_account(daily_profits=PROFIT_2500, trader__email="ana@example.com")
    TraderProfile.objects.filter(user=account.trader).update(
        payout_method="bank", payout_details=ORIGINAL
    )
    return account


def _staff_client(user):
    client = client_with_second_factor()
    client.force_login(user)
    return client


def _trader_client(trader, *, reauthenticated: bool):
    client = client_with_second_factor()
    client.force_login(trader)
    if reauthenticated:
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


def _export_rows(client) -> list[dict]:
    response = client.get("/payouts/export.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _confirm_link(message) -> tuple[str, str]:
    """The emailed link's path with its query, and the token in it."""
    url = re.search(r"https?://\S+/payouts/destination/confirm/\?token=\S+", message.body)
    assert url, message.body
    parts = urlsplit(url.group(0))
    return f"{parts.path}?{parts.query}", parse_qs(parts.query)["token"][0]


def test_finding_1_support_cannot_change_payout_details_in_the_admin(account, support):
    profile = account.trader.trader_profile
    client = _staff_client(support)
    url = reverse("admin:accounts_traderprofile_change", args=[profile.pk])

    response = client.post(
        url,
        {
            "user": account.trader.pk,
            "country": profile.country,
            "timezone": "Europe/Berlin",
            "payout_method": "crypto",
            "payout_details": "USDT TRC-20 TXYZattackerattackerattackerattack",
            "_save": "Save",
        },
    )

    assert response.status_code == 302  # the rest of the profile is still editable
    profile.refresh_from_db()
    assert (profile.payout_method, profile.payout_details) == ("bank", ORIGINAL)
    assert profile.timezone == "Europe/Berlin"
    page = client.get(url).content.decode()
    assert 'name="payout_details"' not in page  # shown, never an input
    assert "DE89 3704" in page


def test_finding_1_the_profile_service_refuses_a_destination_change(account, support):
    profile = account.trader.trader_profile
    profile.payout_details = "somewhere else"

    with pytest.raises(PermissionDenied):
        from accounts.services import save_trader_profile

        save_trader_profile(profile, by=support)


def test_finding_1_export_after_a_profile_edit_still_pays_the_snapshot(
    account, finance, finance_2, after_cycle, recompute_calls
):
    payout = services.request_payout(account, by=account.trader)
    services.approve_payout(payout, by=finance)
    # Whatever path changes the profile after approval, the payout does not follow it.
    TraderProfile.objects.filter(user=account.trader).update(
        payout_method="crypto", payout_details="USDT TRC-20 TXYZattackerattackerattackerattack"
    )
    services.mark_payout_paid(payout, by=finance_2, reference="WIRE-1")
    client = _staff_client(finance)

    [row] = _export_rows(client)
    detail = client.get(reverse("payouts:detail", args=[payout.pk])).content.decode()
    queue = client.get(reverse("payouts:queue") + "?status=paid").content.decode()

    assert (row["payout_method"], row["payout_details"]) == ("bank", ORIGINAL)
    assert row["payee_changed_recently"] == "no"
    assert "DE89 3704" in detail  # the detail page shows the whole snapshot
    assert "DE89 ••••" in queue  # the queue masks the middle of the IBAN
    for page in (detail, queue):
        assert "attacker" not in page


def test_finding_1_the_destination_page_needs_a_recent_reauthentication(account):
    client = _trader_client(account.trader, reauthenticated=False)
    url = reverse("payouts:destination")

    shown = client.get(url)
    posted = client.post(url, {"method": "bank", "account_holder": "X", "destination": NEW_IBAN})

    for response in (shown, posted):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not PayeeChange.objects.exists()
    assert 'href="/payouts/destination/"' in client.get(reverse("payouts:index")).content.decode()


def test_finding_1_a_new_destination_counts_only_once_confirmed_from_the_current_mailbox(
    account, on_commit
):
    trader = account.trader
    client = _trader_client(trader, reauthenticated=True)
    mail.outbox.clear()

    with on_commit():
        response = client.post(
            reverse("payouts:destination"),
            {"method": "bank", "account_holder": "Ana Trader", "destination": NEW_IBAN},
        )

    assert response.status_code == 302
    trader.trader_profile.refresh_from_db()
    assert trader.trader_profile.payout_details == ORIGINAL  # not before confirmation
    [confirmation] = mail.outbox
    assert confirmation.to == ["ana@example.com"]
    link, token = _confirm_link(confirmation)
    assert client.get(link).status_code == 200  # a page with a button: opening changes nothing
    trader.trader_profile.refresh_from_db()
    assert trader.trader_profile.payout_details == ORIGINAL

    with on_commit():
        client.post(reverse("payouts:destination_confirm"), {"token": token})

    trader.trader_profile.refresh_from_db()
    assert (trader.trader_profile.payout_method, trader.trader_profile.payout_details) == (
        "bank",
        NEW_DETAILS,
    )
    notice = mail.outbox[-1]
    assert notice.to == ["ana@example.com"] and "was changed" in notice.subject
    steps = [
        e.data["step"]
        for e in AuditEvent.objects.filter(action=AuditAction.PAYEE_CHANGE).order_by("at", "pk")
    ]
    assert steps == ["requested", "confirmed"]
    confirmed = AuditEvent.objects.get(action=AuditAction.PAYEE_CHANGE, data__step="confirmed")
    assert confirmed.actor == trader
    assert confirmed.data["before"]["payout_details"] == ORIGINAL
    assert confirmed.data["after"]["payout_details"] == NEW_DETAILS

    # The link works once.
    again = client.post(reverse("payouts:destination_confirm"), {"token": token}, follow=True)
    assert "already used" in again.content.decode()
    assert PayeeChange.objects.filter(status=PayeeChangeStatus.APPLIED).count() == 1


def test_finding_1_destination_details_are_validated(account):
    client = _trader_client(account.trader, reauthenticated=True)
    url = reverse("payouts:destination")
    refused = [
        {"method": "bank", "account_holder": "Ana", "destination": "DE89370400440532013001"},
        {"method": "bank", "account_holder": "", "destination": NEW_IBAN},
        {"method": "crypto", "destination": "=HYPERLINK(evil)"},
        {"method": "crypto", "destination": "0x12345"},
        {"method": "wise", "destination": "not-an-email"},
    ]
    for data in refused:
        assert client.post(url, data).status_code == 200, data
    assert not PayeeChange.objects.exists()

    client.post(url, {"method": "crypto", "destination": "0x" + "ab" * 20})
    client.post(url, {"method": "crypto", "destination": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"})

    changes = list(PayeeChange.objects.order_by("pk"))
    assert [c.payout_details for c in changes] == [
        "USDT ERC-20 0x" + "ab" * 20,
        "USDT TRC-20 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    ]
    assert [c.status for c in changes] == ["cancelled", "pending"]  # the newer one replaces


def test_finding_1_an_expired_or_foreign_link_changes_nothing(account, after_cycle):
    trader = account.trader
    change = payee.request_trader_change(
        trader, method="wise", details="Wise ana@example.com", by=trader
    )
    token = payee.make_token(change)
    other = builders.funded_account().trader

    with pytest.raises(payee.PayeeError):
        payee.confirm_trader_change(token, by=other)
    after_cycle.shift(dt.timedelta(hours=25))
    with pytest.raises(payee.PayeeError, match="expired"):
        payee.confirm_trader_change(token, by=trader)

    trader.trader_profile.refresh_from_db()
    assert trader.trader_profile.payout_details == ORIGINAL


def test_finding_1_no_approval_during_the_cooling_off_after_a_change(
    account, finance, finance_2, after_cycle, recompute_calls
):
    trader = account.trader
    change = payee.request_trader_change(trader, method="bank", details=NEW_DETAILS, by=trader)
    payee.confirm_trader_change(payee.make_token(change), by=trader)
    payout = services.request_payout(account, by=trader)
    client = _staff_client(finance)

    response = client.post(
        reverse("payouts:approve", args=[payout.pk]), {"confirm": "yes"}, follow=True
    )

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED
    assert "cooling-off" in response.content.decode()
    assert payout.payout_details == NEW_DETAILS
    queue = client.get(reverse("payouts:queue")).content.decode()
    assert 'data-testid="payee-cooling-off"' in queue

    after_cycle.shift(dt.timedelta(hours=73))
    services.approve_payout(payout, by=finance)
    services.mark_payout_paid(payout, by=finance_2, reference="WIRE-2")
    [row] = _export_rows(_staff_client(finance))
    assert row["payout_details"] == NEW_DETAILS
    assert row["payee_changed_recently"] == "yes"


def test_finding_1_staff_change_needs_a_second_person(
    account, finance, finance_2, support, on_commit
):
    trader = account.trader
    with pytest.raises(PermissionDenied):
        payee.request_staff_change(trader, method="wise", details="Wise x@example.com", by=support)
    with on_commit():
        change = payee.request_staff_change(
            trader, method="wise", details="Wise ana@example.com", by=finance
        )
    with pytest.raises(PermissionDenied):
        payee.approve_staff_change(change, by=finance)
    with pytest.raises(PermissionDenied):
        payee.approve_staff_change(change, by=support)
    trader.trader_profile.refresh_from_db()
    assert trader.trader_profile.payout_details == ORIGINAL

    with on_commit():
        payee.approve_staff_change(change, by=finance_2)

    trader.trader_profile.refresh_from_db()
    assert trader.trader_profile.payout_details == "Wise ana@example.com"
    assert [m.to for m in mail.outbox] == [["ana@example.com"], ["ana@example.com"]]
    steps = AuditEvent.objects.filter(action=AuditAction.PAYEE_CHANGE).values_list(
        "data__step", "actor__email"
    )
    assert sorted(steps) == [
        ("approved", "fin.two@firm.example"),
        ("requested", "fin.one@firm.example"),
    ]


def test_finding_1_staff_propose_in_the_admin_and_another_person_approves(
    account, finance, finance_2, support
):
    trader = account.trader
    add_url = reverse("admin:payouts_payeechange_add")
    changelist = reverse("admin:payouts_payeechange_changelist")
    assert _staff_client(support).get(add_url).status_code == 403

    proposer = _staff_client(finance)
    refused = proposer.post(
        add_url, {"trader": trader.pk, "method": "bank", "destination": "DE00 1234"}
    )
    assert refused.status_code == 200  # an invalid IBAN (and no holder) is refused
    proposer.post(
        add_url,
        {
            "trader": trader.pk,
            "method": "bank",
            "account_holder": "Ana Trader",
            "destination": NEW_IBAN,
            "_save": "Save",
        },
    )
    change = PayeeChange.objects.get()
    assert (change.source, change.status, change.requested_by) == ("staff", "pending", finance)

    action = {"action": "approve_selected_changes", "_selected_action": [change.pk]}
    proposer.post(changelist, action)
    change.refresh_from_db()
    assert change.status == "pending"  # the proposer cannot approve

    _staff_client(finance_2).post(changelist, action)

    change.refresh_from_db()
    trader.trader_profile.refresh_from_db()
    assert change.status == "applied" and change.applied_by == finance_2
    assert trader.trader_profile.payout_details == NEW_DETAILS
