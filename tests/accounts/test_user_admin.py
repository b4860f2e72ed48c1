"""Users in the admin: email login (no username), roles shown, trader profile inline."""

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import KycStatus, User
from tests.factories import TraderFactory, TraderProfileFactory, staff_user

pytestmark = pytest.mark.django_db


def test_staff_adds_a_user_by_email_and_it_is_stored_lower_case(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@Firm.Example",
            "usable_password": "true",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@firm.example")
    assert user.check_password("a-long-pass-phrase-42")


def test_an_email_that_exists_in_another_case_is_refused(admin_client):
    TraderFactory(email="ana@example.com")

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "ANA@example.com", "usable_password": "false"},
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1


def test_user_list_shows_roles_and_finds_users_by_email(admin_client):
    staff_user(roles.FINANCE, email="fiona@firm.example")
    TraderFactory(email="zed@example.com")

    page = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "fiona"})

    content = page.content.decode()
    assert "fiona@firm.example" in content and "zed@example.com" not in content
    assert '<td class="field-role_names">finance</td>' in content


def test_a_traders_page_shows_the_profile_inline(admin_client):
    trader = TraderFactory(email="kim@example.com")

    page = admin_client.get(reverse("admin:accounts_user_change", args=[trader.pk]))

    assert "trader_profile-0-country" in page.content.decode()


def test_support_marks_kyc_verified_through_the_action(client):
    profile = TraderProfileFactory(kyc_status=KycStatus.PENDING, kyc_verified_at=None)
    client.force_login(staff_user(roles.SUPPORT))

    client.post(
        reverse("admin:accounts_traderprofile_changelist"),
        {"action": "mark_kyc_verified", "_selected_action": [profile.pk]},
    )

    profile.refresh_from_db()
    assert profile.kyc_status == KycStatus.VERIFIED
    assert profile.kyc_verified_at is not None
