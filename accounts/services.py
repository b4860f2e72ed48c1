"""Write paths for people: traders, staff members, KYC decisions, trader profiles.

Changes to a trader's profile (KYC, where to pay them) are audited here with the acting user.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.audit import by_whom, changed, fields_of, record
from accounts.models import (
    AuditAction,
    KycStatus,
    PayoutMethod,
    RoleGrantRequest,
    RoleGrantStatus,
    TraderProfile,
    User,
)
from accounts.roles import ADMINS, SENSITIVE_ROLES, STAFF_ROLES, SUPERUSER, acts_in_role

CHANGE_USER_PERMISSION = "accounts.change_user"


@transaction.atomic
def create_trader(
    email: str,
    *,
    country: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    kyc_status: str = KycStatus.PENDING,
    payout_method: str = PayoutMethod.BANK,
    timezone_name: str = "UTC",
) -> User:
    """A trader: a user who logs in with `email` (no password = cannot log in yet) and a profile."""
    user = User.objects.create_user(email, password, first_name=first_name, last_name=last_name)
    TraderProfile.objects.create(
        user=user,
        country=country.upper(),
        kyc_status=kyc_status,
        kyc_verified_at=timezone.now() if kyc_status == KycStatus.VERIFIED else None,
        payout_method=payout_method,
        timezone=timezone_name,
    )
    return user


@transaction.atomic
def create_staff_member(
    email: str,
    role: str,
    *,
    password: str | None = None,
    superuser: bool = False,
    first_name: str = "",
    last_name: str = "",
    by=None,
) -> User:
    """A staff user in one of the role groups (admins, risk, finance, support): the bootstrap
    path (the demo, the shell, like `createsuperuser`), so it is audited as a role change from
    nothing, by `by` or the system. Later role changes go through `change_privileges`."""
    if role not in STAFF_ROLES:
        raise ValueError(f"{role!r} is not a staff role ({', '.join(STAFF_ROLES)})")
    make = User.objects.create_superuser if superuser else User.objects.create_user
    with transaction.atomic():
        user = make(email, password, first_name=first_name, last_name=last_name, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        record(
            AuditAction.ROLE_CHANGED,
            actor=by,
            obj=user,
            summary=f"Staff member {user.email} created as {role} by {by_whom(by)}",
            before={"groups": [], "is_staff": False, "is_superuser": False},
            after=privileges_of(user),
        )
    return user


PROFILE_FIELDS = (
    "user",
    "country",
    "kyc_status",
    "kyc_verified_at",
    "payout_method",
    "payout_details",
    "timezone",
)


def _save_profile(profile: TraderProfile, *, by, update_fields=None) -> TraderProfile:
    """Save and audit a profile change (the fields that changed, before → after)."""
    stored = TraderProfile.objects.filter(pk=profile.pk).first() if profile.pk else None
    before_all = fields_of(stored, PROFILE_FIELDS) if stored is not None else {}
    profile._history_user = by
    profile.save(update_fields=update_fields)
    before, after = changed(before_all, fields_of(profile, PROFILE_FIELDS))
    if after:
        record(
            AuditAction.PROFILE_CHANGED,
            actor=by,
            obj=profile,
            summary=f"Trader profile of {profile.user.email}: {', '.join(after)} "
            f"{'set' if stored is None else 'changed'} by {by_whom(by)}",
            before=before,
            after=after,
        )
    return profile


@transaction.atomic
def set_kyc_status(profile: TraderProfile, status: str, *, by=None) -> TraderProfile:
    """Record a KYC decision; `kyc_verified_at` is set when verified and cleared otherwise."""
    if status not in KycStatus.values:
        raise ValueError(f"{status!r} is not a KYC status")
    profile.kyc_status = status
    if status == KycStatus.VERIFIED:
        profile.kyc_verified_at = profile.kyc_verified_at or timezone.now()
    else:
        profile.kyc_verified_at = None
    return _save_profile(profile, by=by, update_fields=["kyc_status", "kyc_verified_at"])


PAYEE_FIELDS = ("payout_method", "payout_details")


@transaction.atomic
def save_trader_profile(profile: TraderProfile, *, by) -> TraderProfile:
    """Save staff's edit of a trader profile (country, time zone); KYC decisions go through
    `set_kyc_status`. Where the trader is paid is never changed here: that is
    `payouts.payee` (the trader's confirmed change, or staff with a second approver)."""
    if profile.pk is not None:
        stored = TraderProfile.objects.get(pk=profile.pk)
        if fields_of(stored, PAYEE_FIELDS) != fields_of(profile, PAYEE_FIELDS):
            raise PermissionDenied(
                "The payout destination changes only through a confirmed payee change."
            )
    return _save_profile(profile, by=by)


# ---------------------------------------------------------------------------------------------
# Roles and privileges (groups, is_staff, is_superuser): four-eyes, audited.


def privileges_of(user: User) -> dict:
    """What a user may do, as audited: role groups (sorted), is_staff, is_superuser."""
    return {
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    }


def _assert_may_grant(user: User, by) -> None:
    if by is None or not by.is_authenticated or not by.has_perm(CHANGE_USER_PERMISSION):
        raise PermissionDenied("Only admins change roles.")


def _request_grant(user: User, role: str, by) -> RoleGrantRequest:
    grant = RoleGrantRequest.objects.filter(
        user=user, role=role, status=RoleGrantStatus.PENDING
    ).first()
    if grant is not None:
        return grant
    grant = RoleGrantRequest.objects.create(user=user, role=role, requested_by=by)
    record(
        AuditAction.ROLE_GRANT_REQUESTED,
        actor=by,
        obj=grant,
        summary=f"{by_whom(by)} asked to give {user.email} the {role} role; "
        "waiting for a second admin",
        before={},
        after={"user_id": user.pk, "role": role, "status": grant.status},
    )
    return grant


@transaction.atomic
def change_privileges(
    user: User, *, by, groups: Iterable[str], is_staff: bool, is_superuser: bool
) -> list[RoleGrantRequest]:
    """Set a user's role groups and flags, as an admin edits them.

    Nobody changes their own. Removals, `is_staff` and the roles `risk`/`support` apply at once;
    adding `finance` or `admins`, or setting `is_superuser`, becomes a pending RoleGrantRequest
    that a different admin approves (`approve_role_grant`). One audit event with the
    privileges before → after for what applied; one per grant requested. Returns the requests.
    """
    _assert_may_grant(user, by)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = privileges_of(user)
    current, wanted = set(before["groups"]), set(groups)
    unknown = wanted - set(Group.objects.filter(name__in=wanted).values_list("name", flat=True))
    if unknown:
        raise ValueError(f"no such role: {', '.join(sorted(unknown))}")
    differs = wanted != current or is_staff != user.is_staff or is_superuser != user.is_superuser
    if not differs:
        return []
    if by.pk == user.pk:
        raise PermissionDenied("Nobody changes their own roles or privileges.")
    added, removed = wanted - current, current - wanted
    to_request = sorted(role for role in added if role in SENSITIVE_ROLES)
    if is_superuser and not user.is_superuser:
        to_request.append(SUPERUSER)
    user.groups.remove(*Group.objects.filter(name__in=removed))
    user.groups.add(*Group.objects.filter(name__in=added - set(to_request)))
    user.is_staff = is_staff
    user.is_superuser = user.is_superuser and is_superuser
    user.save(update_fields=["is_staff", "is_superuser"])
    _record_role_change(user, before, by)
    return [_request_grant(user, role, by) for role in to_request]


def _record_role_change(user: User, before_all: dict, by, data: dict | None = None) -> None:
    before, after = changed(before_all, privileges_of(user))
    if after:
        record(
            AuditAction.ROLE_CHANGED,
            actor=by,
            obj=user,
            summary=f"Roles of {user.email}: {', '.join(after)} changed by {by_whom(by)}",
            before=before,
            after=after,
            data=data,
        )


def may_decide_role_grants(user) -> bool:
    """Role grants are decided by members of the `admins` group (not the superuser flag)."""
    return acts_in_role(user, ADMINS, CHANGE_USER_PERMISSION)


def _lock_pending_grant(grant: RoleGrantRequest | int, by) -> RoleGrantRequest:
    grant_id = grant.pk if isinstance(grant, RoleGrantRequest) else grant
    grant = RoleGrantRequest.objects.select_for_update().select_related("user").get(pk=grant_id)
    if not may_decide_role_grants(by):
        raise PermissionDenied("Only admins decide role grants.")
    if by.pk == grant.user_id:
        raise PermissionDenied("Nobody decides a grant of their own roles.")
    if grant.status != RoleGrantStatus.PENDING:
        raise PermissionDenied(f"This request is already {grant.get_status_display().lower()}.")
    return grant


@transaction.atomic
def approve_role_grant(grant: RoleGrantRequest | int, *, by) -> RoleGrantRequest:
    """A second admin (not the requester, not the user) approves: the role is applied and the
    change audited once (privileges before → after, with the request and its requester)."""
    grant = _lock_pending_grant(grant, by)
    if by.pk == grant.requested_by_id:
        raise PermissionDenied("A second admin must approve: you asked for this grant.")
    user = User.objects.select_for_update().get(pk=grant.user_id)
    before = privileges_of(user)
    if grant.role == SUPERUSER:
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_staff", "is_superuser"])
    else:
        user.groups.add(Group.objects.get(name=grant.role))
    grant.status, grant.decided_by, grant.decided_at = RoleGrantStatus.APPROVED, by, timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    _record_role_change(
        user,
        before,
        by,
        data={"grant_id": grant.pk, "requested_by": grant.requested_by_id, "role": grant.role},
    )
    return grant


@transaction.atomic
def reject_role_grant(grant: RoleGrantRequest | int, *, by) -> RoleGrantRequest:
    """An admin (the requester withdrawing it, or another admin; never the user) rejects."""
    grant = _lock_pending_grant(grant, by)
    grant.status, grant.decided_by, grant.decided_at = RoleGrantStatus.REJECTED, by, timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        AuditAction.ROLE_GRANT_REJECTED,
        actor=by,
        obj=grant,
        summary=f"{by_whom(by)} rejected the {grant.role} role for {grant.user.email}",
        before={"status": RoleGrantStatus.PENDING},
        after={"status": grant.status},
    )
    return grant
