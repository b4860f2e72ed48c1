"""Security finding 7b: nobody edits their own roles or privileges in the admin; role changes
are audited (one event, before → after); finance, admins and superuser need a second admin."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import roles, services
from accounts.models import AuditAction, AuditEvent, RoleGrantRequest, RoleGrantStatus, User
from tests.conftest import client_with_second_factor
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def change_form(user: User, **changes) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [group.pk for group in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "trader_profile-TOTAL_FORMS": "0",
        "trader_profile-INITIAL_FORMS": "0",
        "trader_profile-MIN_NUM_FORMS": "0",
        "trader_profile-MAX_NUM_FORMS": "1",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def post_change(by: User, user: User, **changes):
    client = client_with_second_factor()
    client.force_login(by)
    return client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), change_form(user, **changes)
    )


def group_pk(name: str) -> int:
    return roles_group(name).pk


def roles_group(name: str):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=name)


@pytest.fixture
def admin_a(db):
    return staff_user(roles.ADMINS, "admin.a@firm.example")


@pytest.fixture
def admin_b(db):
    return staff_user(roles.ADMINS, "admin.b@firm.example")


def test_finding_7b_an_admin_cannot_give_themselves_finance_or_superuser(admin_a):
    post_change(
        admin_a,
        admin_a,
        groups=[group_pk(roles.ADMINS), group_pk(roles.FINANCE)],
        is_superuser="on",
    )

    admin_a.refresh_from_db()
    assert not admin_a.in_role(roles.FINANCE)
    assert not admin_a.is_superuser
    assert not RoleGrantRequest.objects.filter(user=admin_a).exists()


def test_finding_7b_nobody_changes_their_own_privileges_through_the_service(admin_a):
    with pytest.raises(PermissionDenied):
        services.change_privileges(
            admin_a,
            by=admin_a,
            groups=[roles.ADMINS, roles.FINANCE],
            is_staff=True,
            is_superuser=False,
        )
    assert not admin_a.in_role(roles.FINANCE)


def test_finding_7b_finance_for_another_user_waits_for_a_second_admin(admin_a, admin_b):
    colleague = staff_user(roles.SUPPORT, "colleague@firm.example")

    post_change(admin_a, colleague, groups=[group_pk(roles.SUPPORT), group_pk(roles.FINANCE)])

    colleague.refresh_from_db()
    assert not colleague.in_role(roles.FINANCE)
    grant = RoleGrantRequest.objects.get(user=colleague, role=roles.FINANCE)
    assert (grant.status, grant.requested_by) == (RoleGrantStatus.PENDING, admin_a)

    # The admin who asked cannot approve it; a second admin does, in the admin.
    with pytest.raises(PermissionDenied):
        services.approve_role_grant(grant, by=admin_a)
    client = client_with_second_factor()
    client.force_login(admin_b)
    client.post(
        reverse("admin:accounts_rolegrantrequest_changelist"),
        {"action": "approve_selected", "_selected_action": [grant.pk]},
    )

    grant.refresh_from_db()
    assert (grant.status, grant.decided_by) == (RoleGrantStatus.APPROVED, admin_b)
    assert colleague.in_role(roles.FINANCE)
    event = AuditEvent.objects.filter(
        action=AuditAction.ROLE_CHANGED, object_id=str(colleague.pk)
    ).get()
    assert event.actor == admin_b
    assert event.data["before"] == {"groups": [roles.SUPPORT]}
    assert event.data["after"] == {"groups": [roles.FINANCE, roles.SUPPORT]}


def test_finding_7b_a_role_change_is_audited_once_with_before_and_after(admin_a):
    colleague = staff_user(roles.SUPPORT, "colleague@firm.example")

    post_change(admin_a, colleague, groups=[group_pk(roles.RISK)])

    colleague.refresh_from_db()
    assert colleague.in_role(roles.RISK) and not colleague.in_role(roles.SUPPORT)
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGED, object_id=str(colleague.pk))
    assert event.actor == admin_a
    assert event.data["before"] == {"groups": [roles.SUPPORT]}
    assert event.data["after"] == {"groups": [roles.RISK]}


def test_finding_7b_superuser_for_another_user_waits_for_a_second_admin(admin_a, admin_b):
    colleague = staff_user(roles.RISK, "colleague@firm.example")

    post_change(admin_a, colleague, is_superuser="on")

    colleague.refresh_from_db()
    assert not colleague.is_superuser
    grant = RoleGrantRequest.objects.get(user=colleague, role=roles.SUPERUSER)
    with pytest.raises(PermissionDenied):
        services.approve_role_grant(grant, by=colleague)
    services.approve_role_grant(grant, by=admin_b)
    colleague.refresh_from_db()
    assert colleague.is_superuser
