"""The audit log: logins, rule changes, account and payout transitions and imports are each
recorded once, with who did it and a summary a person can read; nobody can change or delete
an event, in code or in the admin."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import audit
from accounts.models import AppendOnlyError, AuditAction, AuditEvent
from accounts.roles import ADMINS, FINANCE, RISK
from evaluations.models import Rule, RuleSet
from evaluations.services.accounts import close_account
from evaluations.services.programs import save_rule, save_rule_set
from imports.service import import_file
from payouts.models import PayoutRequest
from payouts.services import cancel_payout
from tests.factories import (
    T0,
    PhaseFactory,
    RuleFactory,
    RuleSetFactory,
    TraderFactory,
    TradingAccountFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password
HEADER = "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
ROW = "{login},{ticket},EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,{p}\n"


def only_event(action: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, [event.summary for event in events]
    return events[0]


def test_a_successful_login_is_recorded_with_the_user_and_the_client_address(client):
    trader = TraderFactory(email="ana@traders.example")

    response = client.post(
        reverse("account_login"),
        {"login": "ana@traders.example", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 302
    event = only_event(AuditAction.LOGIN_SUCCEEDED)
    assert (event.actor, event.actor_email) == (trader, "ana@traders.example")
    assert (event.object_type, event.object_id) == ("accounts.user", str(trader.pk))
    assert event.ip == "203.0.113.7"
    assert event.summary == "ana@traders.example logged in"


def test_a_failed_login_records_the_typed_address_but_never_the_password(client):
    TraderFactory(email="ana@traders.example")

    response = client.post(
        reverse("account_login"),
        {"login": "ana@traders.example", "password": "Wrong-Secret-42"},
        REMOTE_ADDR="198.51.100.9",
    )

    assert response.status_code == 200
    event = only_event(AuditAction.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_email == "ana@traders.example"
    assert event.ip == "198.51.100.9"
    assert "ana@traders.example" in event.summary
    stored = json.dumps(event.data) + event.summary
    assert "Wrong-Secret-42" not in stored
    assert "password" not in stored.lower()
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).exists()


def test_a_new_rule_set_and_its_rules_are_recorded_with_who_made_them():
    risk = staff_user(RISK)
    phase = PhaseFactory()
    RuleSetFactory(phase=phase, version=2)
    rule_set = save_rule_set(RuleSet(phase=phase, note="tighter daily loss"), by=risk)

    created = only_event(AuditAction.RULESET_CREATED)
    assert (created.actor, created.object_id) == (risk, str(rule_set.pk))
    assert "v3" in created.summary and "tighter daily loss" in created.summary
    assert risk.email in created.summary
    assert created.data["before"] == {} and created.data["after"]["note"] == "tighter daily loss"

    rule = save_rule(
        Rule(rule_set=rule_set, code="max_daily_loss", params={"percent": "4"}), by=None
    )
    rule.params = {"percent": "3"}
    save_rule(rule, by=risk)
    added, changed = AuditEvent.objects.filter(action=AuditAction.RULE_CHANGED).order_by("pk")
    assert added.actor is None and "system" in added.summary  # no user behind the call
    assert (changed.actor, changed.object_id) == (risk, str(rule.pk))
    assert changed.data["params"]["percent"] == "3" and changed.data["created"] is False
    assert changed.data["before"]["params"]["percent"] == "4"
    assert changed.data["after"]["params"]["percent"] == "3"
    assert "max_daily_loss" in changed.summary and risk.email in changed.summary


def test_saving_a_model_outside_a_service_writes_no_event_and_guesses_no_actor():
    """The audit is written by services with the actor they are given, never by a signal."""
    risk = staff_user(RISK)
    rule = RuleFactory(params={"percent": "4"})
    rule._history_user = risk  # what the old receivers read as the actor
    rule.params = {"percent": "3"}
    rule.save()

    assert not AuditEvent.objects.exclude(action=AuditAction.LOGIN_SUCCEEDED).exists()


def test_a_rule_changed_in_the_admin_is_recorded_with_the_staff_member(client):
    admin_user = staff_user(ADMINS)
    rule = RuleFactory(params={"percent": "5"})
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:evaluations_rule_change", args=[rule.pk]),
        {
            "rule_set": rule.rule_set_id,
            "code": "max_daily_loss",
            "severity": "hard",
            "params": '{"percent": "4.5"}',
        },
    )

    assert response.status_code == 302, response.content[:2000]
    event = only_event(AuditAction.RULE_CHANGED)
    assert event.actor == admin_user
    assert event.data["params"]["percent"] == "4.5"
    assert (
        event.data["before"]["params"]["percent"],
        event.data["after"]["params"]["percent"],
    ) == (
        "5",
        "4.5",
    )


def test_closing_an_account_records_from_to_reason_and_the_staff_member():
    risk = staff_user(RISK)
    account = TradingAccountFactory(status="active")

    close_account(account, by=risk, reason="Trader asked to close")

    event = only_event(AuditAction.ACCOUNT_STATUS_CHANGED)
    assert (event.actor, event.actor_email) == (risk, risk.email)
    assert (event.object_type, event.object_id) == ("evaluations.tradingaccount", str(account.pk))
    assert (event.data["from"], event.data["to"]) == ("active", "closed")
    assert event.data["reason"] == "Trader asked to close"
    assert (event.data["before"]["status"], event.data["after"]["status"]) == ("active", "closed")
    assert event.summary == (
        f"Account {account.login}: active → closed (Trader asked to close) by {risk.email}"
    )


def test_a_transition_without_a_user_is_recorded_as_the_systems():
    account = TradingAccountFactory(status="funded")

    close_account(account, reason="Last payout made")

    event = only_event(AuditAction.ACCOUNT_STATUS_CHANGED)
    assert event.actor is None and event.actor_email == ""
    assert event.summary.endswith("by system")


def test_a_payout_transition_is_recorded_with_the_user_who_made_it():
    account = TradingAccountFactory(status="funded")
    payout = PayoutRequest.objects.create(
        account=account,
        requested_by=account.trader,
        currency="USD",
        eligible_amount=Decimal("2500.00"),
        amount=Decimal("2500.00"),
        split_percent=Decimal("80.00"),
        trader_share=Decimal("2000.00"),
        cycle_start=account.started_at,
        requested_at=T0 + dt.timedelta(days=20),
    )

    cancel_payout(payout, by=account.trader)

    event = only_event(AuditAction.PAYOUT_TRANSITION)
    assert event.actor == account.trader
    assert (event.object_type, event.object_id) == ("payouts.payoutrequest", str(payout.pk))
    assert (event.data["from"], event.data["to"]) == ("requested", "cancelled")
    assert event.data["before"] == {"status": "requested"}
    assert event.data["after"] == {"status": "cancelled"}
    assert event.summary == f"Payout #{payout.pk}: requested → cancelled by {account.trader.email}"


def test_a_committed_import_is_recorded_once_with_its_counts(tmp_path):
    risk = staff_user(RISK)
    account = TradingAccountFactory(login="8100001")
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + ROW.format(login=account.login, ticket="A", p="10.00"))

    batch = import_file(path, user=risk)

    assert batch.status == "committed"
    event = only_event(AuditAction.IMPORT_COMMITTED)
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT_REJECTED).exists()
    assert (event.actor, event.object_id) == (risk, str(batch.pk))
    assert (event.data["rows_total"], event.data["rows_new"]) == (1, 1)
    assert "committed, 1 new" in event.summary and risk.email in event.summary


def test_a_rejected_import_is_recorded_with_the_reason(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_text(HEADER + ROW.format(login="9999999", ticket="A", p="10.00"))

    batch = import_file(path)

    assert batch.status == "rejected"
    event = only_event(AuditAction.IMPORT_REJECTED)
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT_COMMITTED).exists()
    assert event.object_id == str(batch.pk)
    assert event.data["rows_rejected"] == 1
    assert "rejected" in event.summary and "by system" in event.summary


def test_the_actor_email_survives_the_users_deletion():
    user = UserFactory(email="gone@firm.example")
    event = audit.record(AuditAction.LOGIN_SUCCEEDED, actor=user, obj=user, summary="logged in")

    user.delete()

    event.refresh_from_db()
    assert event.actor is None and event.actor_email == "gone@firm.example"


def test_an_event_cannot_be_changed_or_deleted():
    event = audit.record(AuditAction.LOGIN_FAILED, actor_email="x@example.com", summary="typed")

    event.summary = "nothing happened"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="nothing happened")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "typed"


@pytest.mark.parametrize("role", [ADMINS, "superuser"])
def test_the_admin_lists_events_and_offers_no_add_change_or_delete(client, role):
    user = (
        UserFactory(email="root@firm.example", is_staff=True, is_superuser=True)
        if role == "superuser"
        else staff_user(role)
    )
    client.force_login(user)  # itself recorded as a login
    event = audit.record(AuditAction.LOGIN_FAILED, actor_email="x@example.com", summary="typed")
    change_url = reverse("admin:accounts_auditevent_change", args=[event.pk])

    changelist = client.get(reverse("admin:accounts_auditevent_changelist"), {"q": "x@example"})
    change = client.get(change_url)

    assert changelist.status_code == 200 and b"x@example.com" in changelist.content
    assert b'name="_selected_action"' not in changelist.content  # no bulk delete either
    assert change.status_code == 200 and b"typed" in change.content
    assert b'name="_save"' not in change.content
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert client.post(change_url, {"summary": "changed"}).status_code == 403
    delete_url = reverse("admin:accounts_auditevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).summary == "typed"


def test_risk_reads_the_audit_log_and_finance_does_not(client):
    client.force_login(staff_user(RISK))
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    client.force_login(staff_user(FINANCE))
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 403
