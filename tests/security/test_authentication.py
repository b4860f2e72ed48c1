"""Sign-in hardening as a visitor meets it: failed-login lockout, a fresh session on login,
the idle timeout, a password reset that does not tell which emails exist, and the admin
closed to traders."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import TraderFactory

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory
LOGIN_URL = "/accounts/login/"
RESET_URL = "/accounts/password/reset/"
LOCKED = "Too many failed login attempts"
# settings.ACCOUNT_RATE_LIMITS["login_failed"] = "10/m/ip,5/5m/key"
KEY_ATTEMPTS, KEY_WINDOW = 5, dt.timedelta(minutes=5)


def _sign_in(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN_URL, {"login": email, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def trader(db):
    return TraderFactory(email="alice@traders.example")


# --- failed-login lockout


def test_after_five_wrong_passwords_even_the_right_one_is_refused(trader):
    client = Client()
    for _ in range(KEY_ATTEMPTS):
        wrong = _sign_in(client, trader.email, "wrong-password")
        assert wrong.status_code == 200
        assert LOCKED not in wrong.content.decode()

    refused = _sign_in(client, trader.email, PASSWORD)

    assert refused.status_code == 200
    assert LOCKED in refused.content.decode()
    assert not _signed_in(client)


def test_the_lockout_follows_the_account_not_the_address(trader):
    for n in range(KEY_ATTEMPTS):
        _sign_in(Client(), trader.email, "wrong-password", ip=f"10.0.1.{n}")

    elsewhere = Client()
    response = _sign_in(elsewhere, trader.email, PASSWORD, ip="10.0.9.9")

    assert LOCKED in response.content.decode()
    assert not _signed_in(elsewhere)


def test_a_locked_out_account_does_not_lock_out_other_users(trader):
    bob = TraderFactory(email="bob@traders.example")
    for _ in range(KEY_ATTEMPTS + 1):
        _sign_in(Client(), trader.email, "wrong-password")

    client = Client()
    response = _sign_in(client, bob.email, PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_the_lockout_ends_when_the_window_has_passed(trader):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(KEY_ATTEMPTS):
            _sign_in(Client(), trader.email, "wrong-password")
        assert LOCKED in _sign_in(Client(), trader.email, PASSWORD).content.decode()

        traveller.shift(KEY_WINDOW + dt.timedelta(seconds=1))
        client = Client()
        response = _sign_in(client, trader.email, PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_one_address_guessing_many_accounts_is_stopped(db):
    emails = [f"user{n}@traders.example" for n in range(10)]
    for email in emails:
        TraderFactory(email=email)
    for email in emails:
        _sign_in(Client(), email, "wrong-password", ip="10.6.6.6")

    guesser, honest = Client(), Client()
    guessed = _sign_in(guesser, "alice@traders.example", "anything", ip="10.6.6.6")
    response = _sign_in(honest, emails[0], PASSWORD, ip="10.7.7.7")

    assert LOCKED in guessed.content.decode()
    assert not _signed_in(guesser)
    assert response.status_code == 302
    assert _signed_in(honest)


# --- session rotation


def test_signing_in_issues_a_new_session_key(trader):
    client = Client()
    client.get(LOGIN_URL)
    planted = client.session  # e.g. a key an attacker fixed in the victim's browser
    planted["visited_login"] = True
    planted.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    response = _sign_in(client, trader.email, PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)
    assert client.session.session_key != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()


# --- idle timeout (SESSION_COOKIE_AGE, renewed on every request)


def test_an_idle_session_expires_and_the_trader_is_sent_to_login(trader):
    age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert _sign_in(client, trader.email, PASSWORD).status_code == 302
        assert client.get("/").status_code == 200

        traveller.shift(age + dt.timedelta(seconds=1))
        response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_activity_within_the_age_keeps_the_trader_signed_in(trader):
    age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    almost = age - dt.timedelta(minutes=1)
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert _sign_in(client, trader.email, PASSWORD).status_code == 302
        for _ in range(3):  # three visits, each just inside the age: 3 × age in all
            traveller.shift(almost)
            assert client.get("/").status_code == 200

        traveller.shift(age + dt.timedelta(seconds=1))
        assert client.get("/").status_code == 302


# --- password reset does not enumerate accounts


def test_password_reset_answers_the_same_for_known_and_unknown_emails(trader):
    known = Client().post(RESET_URL, {"email": trader.email}, follow=True)
    sent_for_known = list(mail.outbox)
    mail.outbox.clear()
    unknown = Client().post(RESET_URL, {"email": "nobody@traders.example"}, follow=True)

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.redirect_chain[-1][0] == reverse("account_reset_password_done")
    assert known.content.decode() == unknown.content.decode()
    assert [m.to for m in sent_for_known] == [[trader.email]]
    assert "/accounts/password/reset/key/" in sent_for_known[0].body
    assert mail.outbox == []  # nothing goes to an address that has no account


# --- the admin is for staff


def test_a_signed_in_trader_is_refused_by_the_admin(trader):
    client = Client()
    client.force_login(trader)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("admin:login"))
    assert response.status_code == 403
    assert "Site administration" not in response.content.decode()


def test_the_admin_login_form_is_the_portal_sign_in(trader):
    """The admin's own password form would skip the lockout and the staff second factor."""
    client = Client()

    response = client.post(reverse("admin:login"), {"username": trader.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not _signed_in(client)
    assert client.get("/admin/").status_code == 302
