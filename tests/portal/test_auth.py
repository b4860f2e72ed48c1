"""Getting in and out of the portal: login, logout, password reset, TOTP, session expiry."""

import datetime as dt
import re
import time

import pytest
import time_machine
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import staff_user
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_trader_logs_in_with_email_and_sees_their_accounts(client, accounts, trader):
    response = _log_in(client, trader.email)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "7000001" in page.content.decode()


def test_wrong_password_is_refused_with_a_message(client, trader):
    response = _log_in(client, trader.email, "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "not correct" in response.content.decode()


def test_login_page_offers_password_reset_and_no_sign_up(client):
    page = client.get(reverse("account_login")).content.decode()
    assert reverse("account_reset_password") in page
    assert reverse("account_signup") not in page
    assert '<label for="id_login">' in page and '<label for="id_password">' in page


def test_nobody_can_sign_up_in_the_portal(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "Xy7-long-pass", "password2": "Xy7-long-pass"},
    )
    assert response.status_code == 200
    assert "Sign Up Closed" in response.content.decode()
    from accounts.models import User

    assert not User.objects.filter(email="new@example.com").exists()


def test_logout_is_a_post_and_ends_the_session(trader_client, accounts):
    page = trader_client.get(reverse("portal:home")).content.decode()
    assert f'action="{reverse("account_logout")}"' in page
    trader_client.post(reverse("account_logout"))
    assert trader_client.get(reverse("portal:home")).status_code == 302


def test_password_reset_by_email_lets_the_trader_choose_a_new_password(client, trader):
    client.post(reverse("account_reset_password"), {"email": trader.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": "A-brand-new-pass-42", "password2": "A-brand-new-pass-42"},
    )
    assert response.status_code == 302
    client.logout()
    assert _log_in(client, trader.email, "A-brand-new-pass-42").status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200


def test_password_reset_for_an_unknown_email_looks_the_same(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302  # no hint whether the address exists


def test_trader_with_totp_must_enter_a_code_after_the_password(client, trader):
    secret = generate_totp_secret()
    TOTP.activate(trader, secret)
    response = _log_in(client, trader.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("portal:home")).status_code == 302  # not logged in yet
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD  # the current 30 s period
    code = format_hotp_value(hotp_value(secret, counter))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200


def test_trader_can_set_up_two_factor_after_confirming_the_password(client, trader):
    _log_in(client, trader.email)
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "Authenticator" in page.content.decode()


def test_session_expires_after_the_configured_idle_time(client, trader):
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _log_in(client, trader.email)
        clock.shift(idle - dt.timedelta(minutes=5))
        assert client.get(reverse("portal:home")).status_code == 200  # activity extends it
        clock.shift(idle - dt.timedelta(minutes=5))
        assert client.get(reverse("portal:home")).status_code == 200
        clock.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        assert client.get(reverse("portal:home")).status_code == 302


def test_traders_never_reach_the_admin(trader_client):
    response = trader_client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_staff_can_use_the_portal_and_find_the_back_office(client):
    client.force_login(staff_user("support"))
    page = client.get(reverse("portal:home"))
    assert page.status_code == 200
    assert reverse("admin:index") in page.content.decode()
