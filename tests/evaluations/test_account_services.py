"""Opening accounts and advancing to the next phase: one write path each, idempotent, the
trader emailed once after commit."""

import re

import pytest
from django.core.exceptions import PermissionDenied

from accounts import roles
from evaluations.models import AccountStatus, Program, TradingAccount
from evaluations.services import accounts as services
from evaluations.services.programs import copy_rule_set_as_new_version
from tests.factories import ProgramFactory, TraderFactory, TradingAccountFactory, staff_user

pytestmark = pytest.mark.django_db


def passed(account):
    account.mark_passed(at=account.started_at)
    account.save()
    return account


def test_opening_an_account_uses_the_first_phase_its_rules_and_the_program_size(ftmo):
    trader = TraderFactory()

    account = services.open_account(trader, ftmo, notify=False)

    phase1 = ftmo.phases.get(order=1)
    assert (account.trader, account.phase, account.rule_set) == (
        trader,
        phase1,
        phase1.current_rule_set,
    )
    assert account.initial_balance == ftmo.account_size
    assert account.currency == "USD"
    assert account.status == AccountStatus.ACTIVE
    assert re.fullmatch(r"\d{8}", account.login)


def test_generated_logins_are_unique(ftmo):
    trader = TraderFactory()
    logins = {services.open_account(trader, ftmo, notify=False).login for _ in range(20)}
    assert len(logins) == 20


def test_a_given_login_that_is_taken_is_refused(ftmo):
    services.open_account(TraderFactory(), ftmo, login="7001", notify=False)
    with pytest.raises(services.AccountLifecycleError, match="already used"):
        services.open_account(TraderFactory(), ftmo, login="7001", notify=False)


def test_the_trader_is_emailed_the_login_only_after_commit(
    ftmo, django_capture_on_commit_callbacks, mailoutbox
):
    trader = TraderFactory(email="ana@example.com")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account = services.open_account(trader, ftmo)
    assert len(callbacks) == 1
    assert mailoutbox == []

    callbacks[0]()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ana@example.com"]
    assert account.login in mailoutbox[0].subject


def test_opening_an_account_in_a_funded_phase_makes_it_funded(ftmo):
    account = services.open_account(
        TraderFactory(), ftmo, phase=ftmo.phases.get(order=3), notify=False
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.FUNDED


def test_a_program_without_rules_cannot_open_accounts():
    with pytest.raises(services.AccountLifecycleError, match="no such phase"):
        services.open_account(TraderFactory(), ProgramFactory(), notify=False)


def test_new_accounts_take_the_newest_rule_version_and_old_ones_keep_theirs(ftmo):
    old = services.open_account(TraderFactory(), ftmo, notify=False)
    copy_rule_set_as_new_version(old.rule_set)

    new = services.open_account(TraderFactory(), ftmo, notify=False)

    old.refresh_from_db()
    assert (old.rule_set.version, new.rule_set.version) == (1, 2)


def test_advancing_opens_the_next_phase_for_the_same_trader_with_a_new_login(
    ftmo, django_capture_on_commit_callbacks, mailoutbox
):
    first = passed(services.open_account(TraderFactory(), ftmo, notify=False))

    with django_capture_on_commit_callbacks(execute=True):
        second = services.advance_to_next_phase(first)

    phase2 = ftmo.phases.get(order=2)
    assert (second.trader, second.phase, second.rule_set) == (
        first.trader,
        phase2,
        phase2.current_rule_set,
    )
    assert second.previous_account == first
    assert second.login != first.login
    assert second.status == AccountStatus.ACTIVE
    assert len(mailoutbox) == 1 and second.login in mailoutbox[0].subject


def test_advancing_twice_opens_one_account_and_sends_one_email(
    ftmo, django_capture_on_commit_callbacks, mailoutbox
):
    first = passed(services.open_account(TraderFactory(), ftmo, notify=False))

    with django_capture_on_commit_callbacks(execute=True):
        second = services.advance_to_next_phase(first)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.advance_to_next_phase(first)

    assert again == second
    assert TradingAccount.objects.filter(previous_account=first).count() == 1
    assert len(mailoutbox) == 1


def test_advancing_into_the_funded_phase_gives_a_funded_account(ftmo):
    phase2 = ftmo.phases.get(order=2)
    account = passed(services.open_account(TraderFactory(), ftmo, phase=phase2, notify=False))

    funded = services.advance_to_next_phase(account)

    funded.refresh_from_db()
    assert funded.status == AccountStatus.FUNDED
    assert funded.phase.name == "Funded"


def test_only_passed_accounts_advance(ftmo):
    account = services.open_account(TraderFactory(), ftmo, notify=False)
    with pytest.raises(services.AccountLifecycleError, match="not passed"):
        services.advance_to_next_phase(account)


def test_the_last_phase_has_nothing_to_advance_to():
    account = passed(TradingAccountFactory())  # a one-phase program

    with pytest.raises(services.AccountLifecycleError, match="last phase"):
        services.advance_to_next_phase(account)


def test_approving_the_next_phase_needs_the_permission(ftmo):
    phase2 = ftmo.phases.get(order=2)
    account = passed(services.open_account(TraderFactory(), ftmo, phase=phase2, notify=False))

    with pytest.raises(PermissionDenied):
        services.approve_phase_advance(account, by=staff_user(roles.SUPPORT))
    assert not TradingAccount.objects.filter(previous_account=account).exists()

    funded = services.approve_phase_advance(account, by=staff_user(roles.RISK))
    assert funded.previous_account == account


def test_closing_an_account_records_when_and_why(ftmo):
    account = services.open_account(TraderFactory(), ftmo, notify=False)

    services.close_account(account, reason="Trader asked to close")

    account.refresh_from_db()
    assert account.status == AccountStatus.CLOSED
    assert account.ended_at is not None
    assert account.status_reason == "Trader asked to close"
    assert account.history.first().history_change_reason == "Trader asked to close"


def test_a_failed_account_cannot_be_closed(ftmo):
    account = services.open_account(TraderFactory(), ftmo, notify=False)
    account.mark_failed(at=account.started_at, reason="x")
    account.save()
    with pytest.raises(services.AccountLifecycleError, match="cannot be closed"):
        services.close_account(account)


def test_reinstating_needs_the_permission_and_a_failed_account(ftmo):
    account = services.open_account(TraderFactory(), ftmo, notify=False)
    risk = staff_user(roles.RISK)
    with pytest.raises(services.AccountLifecycleError, match="not failed"):
        services.reinstate_account(account, by=risk, reason="x")
    account.mark_failed(at=account.started_at, reason="bad feed")
    account.save()

    with pytest.raises(PermissionDenied):
        services.reinstate_account(account, by=staff_user(roles.SUPPORT), reason="x")

    services.reinstate_account(account, by=risk, reason="feed corrected")
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert account.history.first().history_user == risk


def test_program_first_phase_needs_rules(db):
    program = Program.objects.create(
        name="Empty", slug="empty", account_size=1000, price=0, currency="USD"
    )
    program.phases.create(order=1, name="P1", kind="evaluation")
    with pytest.raises(services.AccountLifecycleError, match="no rule set yet"):
        services.open_account(TraderFactory(), program, notify=False)
