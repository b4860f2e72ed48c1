"""Staff need a second factor: a password alone opens nothing of the back office.

Signs in through the real pages (password form, allauth's code step, reauthentication and
authenticator set-up) with codes computed from the authenticator's secret, as an app would.
"""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from accounts.roles import FINANCE, RISK
from accounts.staff_mfa import SESSION_KEY
from accounts.totp import current_code, give_totp_authenticator
from tests.factories import TraderFactory, UserFactory, staff_user

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory
SECRET = "STAFFSECRETFORTESTSTOTP2"
STAFF_PAGE = "/staff/risk/"


def _sign_in(client: Client, email: str, next_url: str = STAFF_PAGE):
    return client.post(
        f"{reverse('account_login')}?next={next_url}", {"login": email, "password": PASSWORD}
    )


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def risk_analyst(db):
    return staff_user(RISK, "analyst@firm.example")


def test_staff_with_an_authenticator_must_type_its_code_before_signing_in(risk_analyst):
    give_totp_authenticator(risk_analyst, SECRET)
    client = Client()

    response = _sign_in(client, risk_analyst.email)

    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert not _signed_in(client)  # the password alone did not sign in
    assert client.get(STAFF_PAGE)["Location"].startswith(reverse("account_login"))

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert not _signed_in(client)

    right = client.post(reverse("mfa_authenticate"), {"code": current_code(SECRET)})
    assert right.status_code == 302 and right["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200


# Transactional: allauth marks the new authenticator on commit, inside the request, as in
# production (in a test wrapped in one transaction, nothing would commit).
@pytest.mark.django_db(transaction=True)
def test_staff_without_an_authenticator_set_one_up_before_anything_else(risk_analyst):
    client = Client()
    _sign_in(client, risk_analyst.email)
    assert _signed_in(client)

    for page in (STAFF_PAGE, "/admin/", "/payouts/queue/", "/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("mfa_activate_totp")), page

    # allauth asks for the password again before an authenticator is added.
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)
    secret = secret or re.search(r'value="([A-Z2-7]{32})"[^>]*id="authenticator_secret"', page)
    assert secret, "the set-up page shows the secret to type into an app"

    added = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret[1])})

    assert added.status_code == 302
    assert Authenticator.objects.filter(user=risk_analyst, type="totp").exists()
    assert client.get(STAFF_PAGE).status_code == 200  # the code typed at set-up counts


def test_a_staff_session_that_skipped_the_code_is_signed_out(risk_analyst):
    give_totp_authenticator(risk_analyst, SECRET)
    client = Client()
    client.force_login(risk_analyst)  # a session without the code step

    response = client.get(STAFF_PAGE)

    assert response["Location"] == f"{reverse('account_login')}?next=%2Fstaff%2Frisk%2F"
    assert not _signed_in(client)


def test_removing_the_authenticator_closes_the_back_office_again(risk_analyst):
    give_totp_authenticator(risk_analyst, SECRET)
    client = Client()
    _sign_in(client, risk_analyst.email)
    client.post(reverse("mfa_authenticate"), {"code": current_code(SECRET)})
    assert client.get(STAFF_PAGE).status_code == 200
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    removed = client.post(reverse("mfa_deactivate_totp"))

    assert removed.status_code == 302
    assert not Authenticator.objects.filter(user=risk_analyst, type="totp").exists()
    assert SESSION_KEY not in client.session
    assert client.get(STAFF_PAGE)["Location"].startswith(reverse("mfa_activate_totp"))


def test_traders_need_no_second_factor(db):
    trader = TraderFactory(email="alice@traders.example")
    client = Client()

    response = _sign_in(client, trader.email, next_url="/")

    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/payouts/").status_code == 200


def test_a_role_group_without_is_staff_still_needs_the_second_factor(db):
    """Membership of a role group grants permissions on its own, so it needs the second factor
    on every page, not only the staff area (security finding 2)."""
    member = UserFactory(email="contractor@firm.example", is_staff=False)
    member.groups.add(Group.objects.get(name=FINANCE))
    client = Client()
    _sign_in(client, member.email)

    assert client.get("/payouts/queue/")["Location"].startswith(reverse("mfa_activate_totp"))
    assert client.get("/staff/money/")["Location"].startswith(reverse("mfa_activate_totp"))
    assert client.get("/payouts/")["Location"].startswith(reverse("mfa_activate_totp"))


def test_the_requirement_can_be_left_to_a_single_sign_on(risk_analyst, settings):
    settings.STAFF_MFA_REQUIRED = False
    client = Client()
    _sign_in(client, risk_analyst.email)

    assert client.get(STAFF_PAGE).status_code == 200


def test_sign_in_pages_and_static_files_stay_open_to_a_staff_session_without_it(risk_analyst):
    client = Client()
    client.force_login(risk_analyst)

    assert client.get(reverse("account_logout")).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
        reverse("account_reauthenticate")
    )


def test_wrong_codes_are_audited_and_five_lock_the_code_step(risk_analyst):
    give_totp_authenticator(risk_analyst, SECRET)
    client = Client()
    _sign_in(client, risk_analyst.email)
    right = current_code(SECRET)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    locked = client.post(reverse("mfa_authenticate"), {"code": right})

    assert "Too many failed login attempts" in locked.content.decode()
    assert not _signed_in(client)
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor=risk_analyst)
    assert failures.count() == 5
    assert failures.first().summary == (
        "Wrong authenticator code for analyst@firm.example at sign-in"
    )
