"""Every write staff make in the admin goes through a service: trade corrections and balance
operations are audited once and recompute the account; rule sets change as one audited step;
the lifecycle service itself refuses a second next-phase account."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import AuditAction, AuditEvent
from evaluations.models import AccountStatus, BalanceOperation, Trade, TradingAccount
from evaluations.services.accounts import (
    AccountLifecycleError,
    approve_phase_advance,
    open_account,
)
from risk.models import AccountMetrics
from risk.services.evaluation import evaluate_account
from tests.builders import NO_ALIASES
from tests.factories import (
    T0,
    RuleSetFactory,
    TradeFactory,
    TraderFactory,
    TradingAccountFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


def only_event(action: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, [event.summary for event in events]
    return events[0]


def signed_in(client, role):
    """A staff member of `role`, logged in on `client`."""
    client.force_login(user := staff_user(role))
    return user


@pytest.fixture
def evaluated_trade():
    """An active account with one closed trade of +100.00, evaluated: metrics stored."""
    account = TradingAccountFactory(login="7100001")
    trade = TradeFactory(account=account, ticket="T-1", profit=Decimal("100.00"))
    evaluate_account(account.pk)
    assert AccountMetrics.objects.get(account=account).net_profit == Decimal("100.00")
    return trade


def trade_form(trade: Trade, **changes) -> dict:
    values = {
        "ticket": trade.ticket,
        "symbol": trade.symbol,
        "side": trade.side,
        "volume": str(trade.volume),
        "open_time_0": trade.open_time.strftime("%Y-%m-%d"),
        "open_time_1": trade.open_time.strftime("%H:%M:%S"),
        "open_price": str(trade.open_price),
        "close_time_0": trade.close_time.strftime("%Y-%m-%d"),
        "close_time_1": trade.close_time.strftime("%H:%M:%S"),
        "close_price": str(trade.close_price),
        "commission": "0",
        "swap": "0",
        "fees": "0",
        "profit": str(trade.profit),
    }
    return {**values, **changes}


def test_risk_corrects_a_trade_in_the_admin_it_is_audited_and_the_account_recomputed(
    client, evaluated_trade, django_capture_on_commit_callbacks
):
    risk = signed_in(client, roles.RISK)
    url = reverse("admin:evaluations_trade_change", args=[evaluated_trade.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, trade_form(evaluated_trade, profit="-250.00"))

    assert response.status_code == 302, response.content[:2000]
    event = only_event(AuditAction.TRADE_CHANGED)
    assert event.actor == risk
    assert (event.object_type, event.object_id) == ("evaluations.trade", str(evaluated_trade.pk))
    assert event.data["before"] == {"profit": "100.00"}
    assert event.data["after"] == {"profit": "-250.00"}
    assert "T-1" in event.summary and risk.email in event.summary
    metrics = AccountMetrics.objects.get(account=evaluated_trade.account)
    assert metrics.net_profit == Decimal("-250.00")


def test_a_trade_cannot_be_added_or_moved_to_another_account_in_the_admin(client, evaluated_trade):
    signed_in(client, roles.ADMINS)
    other = TradingAccountFactory(rule_set=evaluated_trade.account.rule_set)
    url = reverse("admin:evaluations_trade_change", args=[evaluated_trade.pk])

    client.post(url, trade_form(evaluated_trade, account=other.pk))

    assert client.get(reverse("admin:evaluations_trade_add")).status_code == 403
    evaluated_trade.refresh_from_db()
    assert evaluated_trade.account_id != other.pk
    assert not AuditEvent.objects.filter(action=AuditAction.TRADE_CHANGED).exists()


def test_deleting_a_trade_in_the_admin_is_audited_and_recomputes_the_account(
    client, evaluated_trade, django_capture_on_commit_callbacks
):
    admin_user = signed_in(client, roles.ADMINS)
    url = reverse("admin:evaluations_trade_delete", args=[evaluated_trade.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Trade.objects.filter(pk=evaluated_trade.pk).exists()
    event = only_event(AuditAction.TRADE_DELETED)
    assert event.actor == admin_user
    assert event.data["before"]["ticket"] == "T-1"
    assert event.data["before"]["profit"] == "100.00"
    assert event.data["after"] == {}
    metrics = AccountMetrics.objects.get(account=evaluated_trade.account)
    assert (metrics.net_profit, metrics.trades) == (Decimal("0.00"), 0)


def test_deleting_selected_trades_goes_through_the_service_one_event_each(client, evaluated_trade):
    signed_in(client, roles.ADMINS)
    second = TradeFactory(account=evaluated_trade.account, ticket="T-2")

    client.post(
        reverse("admin:evaluations_trade_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [evaluated_trade.pk, second.pk],
            "post": "yes",
        },
    )

    assert not Trade.objects.filter(account=evaluated_trade.account).exists()
    assert AuditEvent.objects.filter(action=AuditAction.TRADE_DELETED).count() == 2


def test_finance_adds_a_balance_operation_it_is_audited_and_the_account_recomputed(
    client, evaluated_trade, django_capture_on_commit_callbacks
):
    finance = signed_in(client, roles.FINANCE)
    account = evaluated_trade.account
    before = AccountMetrics.objects.get(account=account).balance

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:evaluations_balanceoperation_add"),
            {
                "account": account.pk,
                "kind": "adjustment",
                "amount": "-40.00",
                "time_0": (T0 + dt.timedelta(hours=3)).strftime("%Y-%m-%d"),
                "time_1": (T0 + dt.timedelta(hours=3)).strftime("%H:%M:%S"),
                "reason": "Platform fee refund reversed",
                "reference": "ADJ-1",
            },
        )

    assert response.status_code == 302, response.content[:2000]
    operation = BalanceOperation.objects.get(account=account)
    assert (operation.created_by, operation.amount) == (finance, Decimal("-40.00"))
    event = only_event(AuditAction.BALANCE_OPERATION_ADDED)
    assert event.actor == finance
    assert (event.object_type, event.object_id) == (
        "evaluations.balanceoperation",
        str(operation.pk),
    )
    assert event.data["before"] == {}
    assert event.data["after"]["amount"] == "-40.00"
    assert event.data["after"]["reference"] == "ADJ-1"
    # Four-eyes (finding 7a): it counts only once a second finance member approves it.
    assert operation.status == "pending"
    assert AccountMetrics.objects.get(account=account).balance == before
    client.force_login(staff_user(roles.FINANCE, "finance.two@firm.example"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:evaluations_balanceoperation_changelist"),
            {"action": "approve_selected", "_selected_action": [operation.pk]},
        )
    operation.refresh_from_db()
    assert operation.status == "approved"
    assert AccountMetrics.objects.get(account=account).balance == before - Decimal("40.00")


def test_the_ledger_cannot_be_edited_or_deleted_in_the_admin(client):
    signed_in(client, roles.ADMINS)
    account = TradingAccountFactory()
    operation = BalanceOperation.objects.create(
        account=account, kind="deposit", amount=Decimal("10.00"), reason="x"
    )
    change_url = reverse("admin:evaluations_balanceoperation_change", args=[operation.pk])

    client.post(change_url, {"account": account.pk, "kind": "deposit", "amount": "99.00"})
    delete = client.post(
        reverse("admin:evaluations_balanceoperation_delete", args=[operation.pk]), {"post": "yes"}
    )

    assert delete.status_code == 403
    operation.refresh_from_db()
    assert operation.amount == Decimal("10.00")


def test_the_service_refuses_to_approve_a_next_phase_that_is_already_open(
    waiting_for_approval,
):
    risk = staff_user(roles.RISK)
    funded = approve_phase_advance(waiting_for_approval, by=risk)

    with pytest.raises(AccountLifecycleError, match="already open"):
        approve_phase_advance(waiting_for_approval, by=risk)

    assert TradingAccount.objects.filter(previous_account=waiting_for_approval).get() == funded


def test_approving_the_next_phase_records_one_opening_by_the_approver(waiting_for_approval):
    risk = staff_user(roles.RISK)
    known = set(AuditEvent.objects.values_list("pk", flat=True))

    funded = approve_phase_advance(waiting_for_approval, by=risk)

    [event] = AuditEvent.objects.exclude(pk__in=known)
    assert (event.action, event.actor) == (AuditAction.ACCOUNT_OPENED, risk)
    assert event.object_id == str(funded.pk)
    assert event.data["after"]["status"] == AccountStatus.FUNDED
    assert event.data["previous_account_id"] == waiting_for_approval.pk


def test_the_risk_engine_failing_an_account_is_one_event_by_the_system():
    account = TradingAccountFactory(rule_set=RuleSetFactory())
    account.rule_set.rules.create(code="max_daily_loss", severity="hard", params={"percent": "5"})
    TradeFactory(account=account, profit=Decimal("-6000.00"))

    evaluate_account(account.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    event = only_event(AuditAction.ACCOUNT_STATUS_CHANGED)
    assert event.actor is None and event.summary.endswith("by system")
    assert (event.data["before"]["status"], event.data["after"]["status"]) == ("active", "failed")


def test_editing_account_details_in_the_admin_is_audited(client, ftmo):
    account = open_account(TraderFactory(), ftmo, notify=False)
    risk = signed_in(client, roles.RISK)
    change_url = reverse("admin:evaluations_tradingaccount_change", args=[account.pk])

    client.post(change_url, {"needs_review": "on", "broker_server": "Live-2", **NO_ALIASES})

    event = only_event(AuditAction.ACCOUNT_CHANGED)
    assert event.actor == risk
    assert event.data["before"] == {"needs_review": False, "broker_server": ""}
    assert event.data["after"] == {"needs_review": True, "broker_server": "Live-2"}


def test_adding_an_account_alias_in_the_admin_is_audited_and_routes_imports(client, ftmo):
    from evaluations.account_names import account_named

    account = open_account(TraderFactory(), ftmo, notify=False)
    risk = signed_in(client, roles.RISK)
    change_url = reverse("admin:evaluations_tradingaccount_change", args=[account.pk])
    name = "EXPRESSApr3013436618!TopstepTrader!TopstepTrader"

    client.post(
        change_url,
        {
            "broker_server": "",
            **NO_ALIASES,
            "aliases-TOTAL_FORMS": "1",
            "aliases-0-name": name,
            "aliases-0-platform": "NinjaTrader",
        },
    )

    event = only_event(AuditAction.ACCOUNT_CHANGED)
    assert event.actor == risk
    assert event.data["after"] == {"name": name, "platform": "NinjaTrader"}
    assert account_named(name) == account


RULE_FORMSET = {
    "rules-TOTAL_FORMS": "1",
    "rules-INITIAL_FORMS": "0",
    "rules-MIN_NUM_FORMS": "0",
    "rules-MAX_NUM_FORMS": "1000",
    "rules-0-code": "max_daily_loss",
    "rules-0-severity": "hard",
    "rules-0-params": '{"percent": 4}',
}


def test_a_new_rule_set_with_its_rules_in_the_admin_is_one_event(client, ftmo):
    risk = signed_in(client, roles.RISK)
    phase = ftmo.phases.get(order=1)
    known = set(AuditEvent.objects.values_list("pk", flat=True))

    response = client.post(
        reverse("admin:evaluations_ruleset_add"),
        {"phase": phase.pk, "note": "stricter", **RULE_FORMSET},
    )

    assert response.status_code == 302, response.content[:2000]
    [event] = AuditEvent.objects.exclude(pk__in=known)
    assert (event.action, event.actor) == (AuditAction.RULESET_CREATED, risk)
    latest = phase.current_rule_set
    assert event.object_id == str(latest.pk) and latest.created_by == risk
    assert event.data["after"]["note"] == "stricter"
    assert [rule["code"] for rule in event.data["after"]["rules"]] == ["max_daily_loss"]


def test_editing_an_unused_rule_set_in_the_admin_is_one_event_with_rules_before_and_after(
    admin_client,
):
    rule_set = RuleSetFactory(note="draft")
    rule = rule_set.rules.create(code="max_daily_loss", severity="hard", params={"percent": "5"})
    change_url = reverse("admin:evaluations_ruleset_change", args=[rule_set.pk])

    response = admin_client.post(
        change_url,
        {
            "note": "draft 2",
            **RULE_FORMSET,
            "rules-INITIAL_FORMS": "1",
            "rules-0-id": rule.pk,
            "rules-0-rule_set": rule_set.pk,
        },
    )

    assert response.status_code == 302, response.content[:2000]
    event = only_event(AuditAction.RULESET_CHANGED)
    assert event.data["before"]["note"] == "draft" and event.data["after"]["note"] == "draft 2"
    assert event.data["before"]["rules"][0]["params"]["percent"] == "5"
    assert event.data["after"]["rules"][0]["params"]["percent"] == "4"
    assert not AuditEvent.objects.filter(action=AuditAction.RULE_CHANGED).exists()
