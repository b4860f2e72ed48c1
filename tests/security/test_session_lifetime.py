"""Finding 12 of the security review: the risk monitor's background poll renewed a staff
session forever. Now polls do not count as use (idle timeout) and staff sessions end
STAFF_SESSION_MAX_SECONDS (12 h) after sign-in, however busy."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.roles import RISK
from tests.conftest import client_with_second_factor
from tests.factories import TraderFactory, staff_user

pytestmark = pytest.mark.django_db

IDLE = dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS)
LIFETIME = dt.timedelta(seconds=settings.STAFF_SESSION_MAX_SECONDS)
POLL = "/staff/risk/panel/"


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_finding_12_the_risk_monitor_poll_does_not_keep_an_idle_session_alive():
    client = client_with_second_factor()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(staff_user(RISK))
        assert client.get("/staff/risk/").status_code == 200
        for _ in range(int(IDLE / dt.timedelta(minutes=30)) + 1):
            clock.shift(dt.timedelta(minutes=30))
            client.get(POLL, HTTP_HX_REQUEST="true")

        response = client.get("/staff/risk/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not _signed_in(client)


def test_finding_12_an_expired_poll_answers_401_for_htmx_to_reload():
    client = client_with_second_factor()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(staff_user(RISK))
        client.get("/staff/risk/")
        clock.shift(IDLE + dt.timedelta(seconds=1))

        response = client.get(POLL, HTTP_HX_REQUEST="true")

    assert response.status_code == 401


def test_finding_12_a_busy_staff_session_ends_after_its_absolute_lifetime():
    client = client_with_second_factor()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(staff_user(RISK))
        client.get("/staff/risk/")
        elapsed = dt.timedelta()
        while elapsed < LIFETIME - dt.timedelta(hours=1):
            clock.shift(dt.timedelta(hours=1))
            elapsed += dt.timedelta(hours=1)
            assert client.get("/staff/risk/").status_code == 200  # still in
        clock.shift(dt.timedelta(hours=1, seconds=1))

        response = client.get("/staff/risk/")

    assert response.status_code == 302
    assert not _signed_in(client)


def test_finding_12_a_busy_trader_is_not_cut_off_by_the_staff_lifetime():
    trader = TraderFactory()
    client = client_with_second_factor()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(trader)
        for _ in range(int(LIFETIME / dt.timedelta(hours=1)) + 2):
            clock.shift(dt.timedelta(hours=1))
            assert client.get("/").status_code == 200

    assert _signed_in(client)
