"""Admin actions call the lifecycle services; rule sets in use are read-only; lists stay
N+1-free."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from evaluations.models import AccountStatus, RuleSet, TradingAccount
from evaluations.services.accounts import open_account
from tests.builders import NO_ALIASES
from tests.factories import (
    ProgramFactory,
    RuleSetFactory,
    TradeFactory,
    TraderFactory,
    TradingAccountFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db
ACCOUNTS_URL = reverse("admin:evaluations_tradingaccount_changelist")


def run_action(client, url, action, *objects):
    return client.post(
        url, {"action": action, "_selected_action": [str(o.pk) for o in objects]}, follow=True
    )


def logged_in(client, role):
    user = staff_user(role)
    client.force_login(user)
    return user


def test_risk_approves_the_next_phase_and_a_funded_account_opens(client, waiting_for_approval):
    logged_in(client, roles.RISK)

    response = run_action(client, ACCOUNTS_URL, "approve_next_phase", waiting_for_approval)

    funded = TradingAccount.objects.get(previous_account=waiting_for_approval)
    assert funded.status == AccountStatus.FUNDED
    assert "1 account(s) advanced to their next phase" in response.content.decode()


def test_approving_twice_does_not_open_a_second_account(client, waiting_for_approval):
    logged_in(client, roles.RISK)
    run_action(client, ACCOUNTS_URL, "approve_next_phase", waiting_for_approval)

    response = run_action(client, ACCOUNTS_URL, "approve_next_phase", waiting_for_approval)

    assert TradingAccount.objects.filter(previous_account=waiting_for_approval).count() == 1
    assert "already open" in response.content.decode()


def test_support_is_not_offered_the_approval_and_cannot_run_it(client, waiting_for_approval):
    logged_in(client, roles.SUPPORT)

    page = client.get(ACCOUNTS_URL).content.decode()
    run_action(client, ACCOUNTS_URL, "approve_next_phase", waiting_for_approval)

    assert "approve_next_phase" not in page and "close_accounts" not in page
    assert not TradingAccount.objects.filter(previous_account=waiting_for_approval).exists()


def test_approving_an_active_account_is_refused_with_a_message(client, ftmo):
    account = open_account(TraderFactory(), ftmo, notify=False)
    logged_in(client, roles.RISK)

    response = run_action(client, ACCOUNTS_URL, "approve_next_phase", account)

    assert "not passed" in response.content.decode()
    assert not TradingAccount.objects.filter(previous_account=account).exists()


def test_risk_closes_accounts_from_the_list(client, ftmo):
    account = open_account(TraderFactory(), ftmo, notify=False)
    risk = logged_in(client, roles.RISK)

    run_action(client, ACCOUNTS_URL, "close_accounts", account)

    account.refresh_from_db()
    assert account.status == AccountStatus.CLOSED
    assert account.history.first().history_user == risk


def test_admins_reinstate_failed_accounts(client, ftmo):
    account = open_account(TraderFactory(), ftmo, notify=False)
    account.mark_failed(at=account.started_at, reason="bad feed")
    account.save()
    logged_in(client, roles.ADMINS)

    run_action(client, ACCOUNTS_URL, "reinstate_accounts", account)

    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


def test_status_cannot_be_edited_in_the_change_form(client, ftmo):
    account = open_account(TraderFactory(), ftmo, notify=False)
    logged_in(client, roles.RISK)
    change_url = reverse("admin:evaluations_tradingaccount_change", args=[account.pk])

    response = client.post(
        change_url,
        {"status": "funded", "needs_review": "on", "broker_server": "Live-2", **NO_ALIASES},
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert account.needs_review is True
    assert account.broker_server == "Live-2"


def test_adding_an_account_in_the_admin_opens_it_through_the_service(
    admin_client, ftmo, django_capture_on_commit_callbacks, mailoutbox
):
    trader = TraderFactory(email="new.trader@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:evaluations_tradingaccount_add"),
            {
                "trader": trader.pk,
                "program": ftmo.pk,
                "login": "",
                "broker_server": "Demo-1",
                **NO_ALIASES,
            },
        )

    assert response.status_code == 302
    account = TradingAccount.objects.get(trader=trader)
    assert account.phase.order == 1 and account.rule_set == account.phase.current_rule_set
    assert account.broker_server == "Demo-1"
    assert [m.to for m in mailoutbox] == [["new.trader@example.com"]]


def test_adding_an_account_for_a_program_without_rules_shows_an_error(admin_client):
    program = ProgramFactory()

    response = admin_client.post(
        reverse("admin:evaluations_tradingaccount_add"),
        {"trader": TraderFactory().pk, "program": program.pk},
    )

    assert response.status_code == 200
    assert "no first phase with rules" in response.content.decode()
    assert not TradingAccount.objects.exists()


def test_a_rule_set_in_use_is_read_only(admin_client):
    account = TradingAccountFactory()
    change_url = reverse("admin:evaluations_ruleset_change", args=[account.rule_set.pk])

    page = admin_client.get(change_url)
    post = admin_client.post(change_url, {"note": "edited"})

    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    account.rule_set.refresh_from_db()
    assert account.rule_set.note == ""


def test_copy_as_new_version_makes_an_editable_copy_with_the_same_rules(admin_client, ftmo):
    account = open_account(TraderFactory(), ftmo, notify=False)
    url = reverse("admin:evaluations_ruleset_changelist")

    run_action(admin_client, url, "copy_as_new_version", account.rule_set)

    copy = RuleSet.objects.get(phase=account.phase, version=2)
    original = {(r.code, r.severity, json.dumps(r.params)) for r in account.rule_set.rules.all()}
    copied = {(r.code, r.severity, json.dumps(r.params)) for r in copy.rules.all()}
    assert copied == original
    edit = admin_client.get(reverse("admin:evaluations_ruleset_change", args=[copy.pk]))
    assert 'name="_save"' in edit.content.decode()


def test_bad_rule_params_are_shown_on_the_params_field(admin_client):
    rule_set = RuleSetFactory()
    change_url = reverse("admin:evaluations_ruleset_change", args=[rule_set.pk])

    response = admin_client.post(
        change_url,
        {
            "note": "",
            "rules-TOTAL_FORMS": "1",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
            "rules-0-code": "profit_target",
            "rules-0-severity": "soft",
            "rules-0-params": '{"percent": "abc"}',
        },
    )

    assert response.status_code == 200
    assert "params.percent: &#x27;abc&#x27; is not a number" in response.content.decode()
    assert not rule_set.rules.exists()


def test_new_rule_set_versions_are_numbered_by_the_admin(admin_client, ftmo):
    phase = ftmo.phases.get(order=1)

    response = admin_client.post(
        reverse("admin:evaluations_ruleset_add"),
        {
            "phase": phase.pk,
            "note": "stricter",
            "rules-TOTAL_FORMS": "1",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
            "rules-0-code": "max_daily_loss",
            "rules-0-severity": "hard",
            "rules-0-params": '{"percent": 4}',
        },
    )

    assert response.status_code == 302
    latest = phase.current_rule_set
    assert (latest.version, latest.note) == (2, "stricter")
    assert latest.rules.get().params == {
        "percent": "4",
        "amount_base": "initial",
        "reference": "balance",
    }


def test_history_can_be_read_but_not_reverted(admin_client, ftmo):
    account = open_account(TraderFactory(), ftmo, notify=False)
    record = account.history.first()
    form_url = reverse(
        "admin:evaluations_tradingaccount_simple_history", args=[account.pk, record.history_id]
    )

    assert admin_client.get(form_url).status_code == 200
    assert admin_client.post(form_url, {"needs_review": "on"}).status_code == 403


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_account_and_trade_lists_do_not_query_per_row(admin_client):
    account = TradingAccountFactory()
    TradeFactory(account=account)
    trades_url = reverse("admin:evaluations_trade_changelist")
    few_accounts, few_trades = (
        queries_for(admin_client, ACCOUNTS_URL),
        queries_for(admin_client, trades_url),
    )

    for _ in range(6):
        TradeFactory(account=TradingAccountFactory(rule_set=account.rule_set))

    assert queries_for(admin_client, ACCOUNTS_URL) == few_accounts
    assert queries_for(admin_client, trades_url) == few_trades
