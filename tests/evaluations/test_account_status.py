"""The account lifecycle (django-fsm): which status changes are allowed, and the status is
protected from direct assignment."""

import datetime as dt

import pytest
from django_fsm import TransitionNotAllowed, has_transition_perm

from accounts import roles
from evaluations.models import AccountStatus, PhaseKind
from tests.builders import funded_account
from tests.factories import (
    T0,
    TradingAccountFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db
LATER = T0 + dt.timedelta(days=3)


def test_active_account_passes_with_end_time_and_reason():
    account = TradingAccountFactory()
    account.mark_passed(at=LATER)
    account.save()
    account.refresh_from_db()
    assert (account.status, account.ended_at) == (AccountStatus.PASSED, LATER)
    assert account.status_reason == "All objectives met"


@pytest.mark.parametrize("make", [TradingAccountFactory, funded_account])
def test_active_and_funded_accounts_can_fail(make):
    account = make()
    account.mark_failed(at=LATER, reason="Max daily loss")
    account.save()
    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    assert account.ended_at == LATER


@pytest.mark.parametrize("status_step", ["active", "passed", "funded"])
def test_active_passed_and_funded_accounts_can_be_closed(status_step):
    account = funded_account() if status_step == "funded" else TradingAccountFactory()
    if status_step == "passed":
        account.mark_passed(at=LATER)
    account.mark_closed(at=LATER + dt.timedelta(hours=1))
    account.save()
    assert account.status == AccountStatus.CLOSED
    # A passed account keeps the time it passed as its end.
    expected_end = LATER if status_step == "passed" else LATER + dt.timedelta(hours=1)
    assert account.ended_at == expected_end


def test_reinstating_a_failed_evaluation_makes_it_active_again():
    account = TradingAccountFactory()
    account.mark_failed(at=LATER, reason="bad feed")
    account.reinstate(reason="trades were corrected")
    assert account.status == AccountStatus.ACTIVE
    assert account.ended_at is None


def test_reinstating_a_failed_funded_account_makes_it_funded_again():
    account = funded_account()
    assert account.phase.kind == PhaseKind.FUNDED
    account.mark_failed(at=LATER, reason="bad feed")
    account.reinstate(reason="trades were corrected")
    assert account.status == AccountStatus.FUNDED


@pytest.mark.parametrize(
    ("setup", "step"),
    [
        ("passed", lambda a: a.mark_failed(at=LATER, reason="late trade")),
        ("passed", lambda a: a.mark_passed(at=LATER)),
        ("failed", lambda a: a.mark_passed(at=LATER)),
        ("failed", lambda a: a.mark_closed(at=LATER)),
        ("closed", lambda a: a.reinstate(reason="oops")),
        ("closed", lambda a: a.mark_funded()),
        ("active", lambda a: a.reinstate(reason="not failed")),
    ],
)
def test_refused_transitions(setup, step):
    account = TradingAccountFactory()
    if setup == "passed":
        account.mark_passed(at=LATER)
    elif setup == "failed":
        account.mark_failed(at=LATER, reason="x")
    elif setup == "closed":
        account.mark_closed(at=LATER)
    with pytest.raises(TransitionNotAllowed):
        step(account)


def test_status_cannot_be_assigned_directly():
    account = TradingAccountFactory()
    account.refresh_from_db()
    with pytest.raises(AttributeError):
        account.status = AccountStatus.FUNDED


def test_only_roles_with_the_permission_may_reinstate():
    account = TradingAccountFactory()
    account.mark_failed(at=LATER, reason="x")
    assert has_transition_perm(account.reinstate, staff_user(roles.RISK))
    assert has_transition_perm(account.reinstate, staff_user(roles.ADMINS))
    assert not has_transition_perm(account.reinstate, staff_user(roles.SUPPORT))
    assert not has_transition_perm(account.reinstate, staff_user(roles.FINANCE))
