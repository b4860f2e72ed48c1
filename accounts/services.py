"""Write paths for people: traders, staff members, KYC decisions, trader profiles.

Changes to a trader's profile (KYC, where to pay them) are audited here with the acting user.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.audit import by_whom, changed, fields_of, record
from accounts.models import AuditAction, KycStatus, PayoutMethod, TraderProfile, User
from accounts.roles import STAFF_ROLES


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
) -> User:
    """A staff user in one of the role groups (admins, risk, finance, support)."""
    if role not in STAFF_ROLES:
        raise ValueError(f"{role!r} is not a staff role ({', '.join(STAFF_ROLES)})")
    make = User.objects.create_superuser if superuser else User.objects.create_user
    user = make(email, password, first_name=first_name, last_name=last_name, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
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
