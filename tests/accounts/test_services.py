"""Creating traders and staff members, recording KYC decisions."""

import pytest

from accounts import roles
from accounts.models import AuditAction, AuditEvent, KycStatus
from accounts.services import create_staff_member, create_trader, set_kyc_status

pytestmark = pytest.mark.django_db


def test_a_trader_gets_a_profile_and_logs_in_with_a_lower_case_email():
    user = create_trader("Ana@Example.COM", country="de", password="s3cret-pass-word")

    assert user.email == "ana@example.com"
    assert user.trader_profile.country == "DE"
    assert user.trader_profile.kyc_status == KycStatus.PENDING
    assert user.check_password("s3cret-pass-word")
    assert not user.is_staff


def test_a_trader_without_a_password_cannot_log_in_yet():
    user = create_trader("bo@example.com", country="FR")
    assert not user.has_usable_password()


def test_a_verified_trader_has_a_verification_time():
    user = create_trader("cy@example.com", country="PL", kyc_status=KycStatus.VERIFIED)
    assert user.trader_profile.kyc_verified_at is not None


def test_staff_members_join_their_role_group():
    user = create_staff_member("risk@firm.example", roles.RISK)
    assert user.is_staff and not user.is_superuser
    assert user.in_role(roles.RISK)
    assert user.has_perm("evaluations.change_tradingaccount")
    [event] = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGED, object_id=str(user.pk))
    assert event.actor is None
    assert event.data["after"] == {"groups": ["risk"], "is_staff": True, "is_superuser": False}


def test_unknown_roles_are_refused():
    with pytest.raises(ValueError, match="not a staff role"):
        create_staff_member("x@firm.example", "traders")


def test_kyc_decisions_stamp_and_clear_the_verification_time():
    profile = create_trader("di@example.com", country="IT").trader_profile

    set_kyc_status(profile, KycStatus.VERIFIED)
    verified_at = profile.kyc_verified_at
    assert verified_at is not None

    set_kyc_status(profile, KycStatus.REJECTED)
    profile.refresh_from_db()
    assert profile.kyc_status == KycStatus.REJECTED
    assert profile.kyc_verified_at is None
