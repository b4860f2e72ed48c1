"""Staff roles are groups created by migrations; what each role may do is a permission."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from tests.factories import TraderFactory, staff_user

pytestmark = pytest.mark.django_db


def test_the_migrations_create_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.STAFF_ROLES)


def test_risk_manages_accounts_and_rules_but_not_payouts_or_programs():
    risk = staff_user(roles.RISK)
    assert risk.has_perm("evaluations.change_tradingaccount")
    assert risk.has_perm("evaluations.approve_phase_advance")
    assert risk.has_perm("evaluations.reinstate_account")
    assert risk.has_perm("evaluations.add_ruleset")
    assert risk.has_perm("evaluations.change_rule")
    assert not risk.has_perm("evaluations.change_program")
    assert not risk.has_perm("evaluations.add_balanceoperation")
    assert not risk.has_perm("accounts.change_user")
    assert not risk.has_module_perms("payouts")


def test_support_sees_accounts_but_cannot_change_them():
    support = staff_user(roles.SUPPORT)
    assert support.has_perm("evaluations.view_tradingaccount")
    assert support.has_perm("evaluations.view_trade")
    assert support.has_perm("accounts.change_traderprofile")
    assert not support.has_perm("evaluations.change_tradingaccount")
    assert not support.has_perm("evaluations.approve_phase_advance")
    assert not support.has_perm("evaluations.reinstate_account")
    assert not support.has_perm("evaluations.change_rule")


def test_finance_records_balance_operations_but_does_not_touch_accounts_or_rules():
    finance = staff_user(roles.FINANCE)
    assert finance.has_perm("evaluations.add_balanceoperation")
    assert finance.has_perm("evaluations.view_tradingaccount")
    assert not finance.has_perm("evaluations.change_tradingaccount")
    assert not finance.has_perm("evaluations.view_rule")
    assert not finance.has_perm("evaluations.approve_phase_advance")


def test_admins_hold_every_account_and_evaluation_permission():
    admin = staff_user(roles.ADMINS)
    for perm in (
        "accounts.change_user",
        "evaluations.change_program",
        "evaluations.delete_ruleset",
        "evaluations.approve_phase_advance",
        "evaluations.reinstate_account",
        "evaluations.change_trade",
    ):
        assert admin.has_perm(perm), perm


def test_a_trader_has_no_staff_permissions():
    trader = TraderFactory()
    assert not trader.is_staff
    assert trader.get_all_permissions() == set()
