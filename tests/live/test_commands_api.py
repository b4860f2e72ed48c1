"""The bridge command API: long poll, acknowledgement, redelivery, and precise refusals."""

import datetime as dt
import threading
import time
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from evaluations.models import Bridge, PlatformCommand
from evaluations.models.accounts import LOGIN_MAX_LENGTH
from evaluations.services import commands
from tests.factories import ProgramFactory, TradingAccountFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/live/commands/"
NOW = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)
LOGIN_TYPE = "Must be a non-empty string or an integer."
LOGIN_LENGTH = f"Must be at most {LOGIN_MAX_LENGTH} characters."


def _token(name: str, *args: str) -> str:
    out = StringIO()
    call_command("create_bridge", name, "--platform", "mt5", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def account():
    return TradingAccountFactory(login="7300001")


@pytest.fixture
def bridge_client(account):
    client = _client(_token("mt5-live", "--accounts", account.login))
    account.refresh_from_db()
    return client


def _issue(account, key="disable:1", kind="disable"):
    return commands.issue(account, kind, key=key, reason="Daily loss broken")


def _ack_url(command) -> str:
    return f"{URL}{command.pk}/ack/"


def test_create_bridge_makes_the_bridge_row_and_attaches_accounts_and_programs(account):
    program = ProgramFactory(slug="one-step")

    token = _token("mt5-live", "--accounts", account.login, "--program", "one-step")
    again = _token("mt5-live")

    bridge = Bridge.objects.get()
    assert (bridge.name, bridge.platform, bridge.user.auth_token.key) == ("mt5-live", "mt5", token)
    assert token == again
    account.refresh_from_db()
    program.refresh_from_db()
    assert account.bridge == bridge == program.bridge


def test_create_bridge_refuses_an_unknown_login_and_changes_nothing(account):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no account or program named 9999"):
        _token("mt5-live", "--accounts", account.login, "9999")
    account.refresh_from_db()
    assert account.bridge is None


def test_a_bridge_fetches_its_commands_and_acknowledges_them(bridge_client, account):
    command = _issue(account)

    fetched = bridge_client.get(URL)
    done = bridge_client.post(_ack_url(command), {"ok": True, "result": {}}, format="json")
    again = bridge_client.post(_ack_url(command), {"ok": True}, format="json")

    assert fetched.status_code == 200
    [item] = fetched.json()["commands"]
    assert (item["id"], item["kind"], item["login"], item["attempts"]) == (
        command.pk,
        "disable",
        "7300001",
        1,
    )
    assert (done.status_code, done.json()["status"]) == (200, "done")
    assert again.status_code == 200
    assert bridge_client.get(URL).json() == {"commands": []}


def test_an_unacknowledged_command_is_fetched_again_after_its_lease(bridge_client, account):
    command = _issue(account)
    with time_machine.travel(NOW, tick=False):
        assert len(bridge_client.get(URL).json()["commands"]) == 1
    with time_machine.travel(NOW + dt.timedelta(seconds=10), tick=False):
        assert bridge_client.get(URL).json()["commands"] == []
    with time_machine.travel(NOW + dt.timedelta(seconds=31), tick=False):
        [item] = bridge_client.get(URL).json()["commands"]
    assert (item["id"], item["attempts"]) == (command.pk, 2)


def test_create_account_ack_gives_the_account_the_platforms_login(bridge_client, account):
    command = _issue(account, key="create_account:1", kind="create_account")
    bridge_client.get(URL)

    response = bridge_client.post(
        _ack_url(command), {"ok": True, "result": {"login": 5012345}}, format="json"
    )

    assert response.status_code == 200
    account.refresh_from_db()
    assert account.login == "5012345"
    assert list(account.aliases.values_list("name", flat=True)) == ["7300001"]


def test_a_failed_ack_keeps_the_bridges_error_and_numbers_are_not_floats(bridge_client, account):
    command = _issue(account)
    bridge_client.get(URL)

    response = bridge_client.post(
        _ack_url(command),
        {"ok": False, "result": {"error": "trade context busy", "code": 0.1}},
        format="json",
    )

    assert response.status_code == 200
    command.refresh_from_db()
    assert (command.status, command.result) == (
        "failed",
        {"error": "trade context busy", "code": "0.1"},
    )


def test_another_bridges_command_is_404(bridge_client, account):
    other = TradingAccountFactory(login="7300002")
    other_client = _client(_token("ctrader-1", "--accounts", other.login))
    command = _issue(account)
    bridge_client.get(URL)

    response = other_client.post(_ack_url(command), {"ok": True}, format="json")

    assert response.status_code == 404
    assert other_client.get(URL).json() == {"commands": []}


def test_acking_the_other_outcome_or_an_unsent_command_is_409(bridge_client, account):
    command = _issue(account)
    unsent = _issue(TradingAccountFactory(bridge=Bridge.objects.get()), key="disable:2")
    bridge_client.get(URL, {"limit": 1})
    bridge_client.post(_ack_url(command), {"ok": True}, format="json")

    other_outcome = bridge_client.post(_ack_url(command), {"ok": False}, format="json")
    never_sent = bridge_client.post(_ack_url(unsent), {"ok": True}, format="json")

    assert other_outcome.status_code == never_sent.status_code == 409
    assert other_outcome.json() == {
        "detail": f"command {command.pk} was already acknowledged as done"
    }
    assert never_sent.json() == {"detail": f"command {unsent.pk} was not handed out yet"}


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"wait": "26"}, {"wait": ["Ensure this value is less than or equal to 25."]}),
        ({"wait": "-1"}, {"wait": ["Ensure this value is greater than or equal to 0."]}),
        ({"limit": "0"}, {"limit": ["Ensure this value is greater than or equal to 1."]}),
        ({"limit": "501"}, {"limit": ["Ensure this value is less than or equal to 500."]}),
        ({"limit": "ten"}, {"limit": ["A valid integer is required."]}),
    ],
)
def test_bad_poll_parameters_are_400_with_the_fields_named(bridge_client, query, errors):
    response = bridge_client.get(URL, query)

    assert (response.status_code, response.json()) == (400, errors)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"ok": ["This field is required."]}),
        ({"ok": "maybe"}, {"ok": ["Must be a valid boolean."]}),
        ({"ok": True, "result": [1]}, {"result": ["Must be a JSON object."]}),
        ({"ok": True, "result": {"login": ""}}, {"result": {"login": [LOGIN_TYPE]}}),
        ({"ok": True, "result": {"login": True}}, {"result": {"login": [LOGIN_TYPE]}}),
        ({"ok": True, "result": {"login": "x" * 65}}, {"result": {"login": [LOGIN_LENGTH]}}),
    ],
)
def test_bad_acks_are_400_with_the_fields_named(bridge_client, account, body, errors):
    command = _issue(account)
    bridge_client.get(URL)

    response = bridge_client.post(_ack_url(command), body, format="json")

    assert (response.status_code, response.json()) == (400, errors)


def test_a_user_who_is_not_an_active_bridge_is_403_and_no_token_is_401(account):
    user = UserFactory(email="not-a-bridge@example.com")
    from rest_framework.authtoken.models import Token

    not_a_bridge = _client(Token.objects.create(user=user).key)
    token = _token("mt5-live", "--accounts", account.login)
    Bridge.objects.update(active=False)

    refused = not_a_bridge.get(URL)
    inactive = _client(token).get(URL)

    assert refused.status_code == inactive.status_code == 403
    assert "not belong to an active platform bridge" in refused.json()["detail"]
    assert APIClient().get(URL).status_code == 401


def test_a_signed_in_session_is_never_a_bridge(client, account):
    token = _token("mt5-live", "--accounts", account.login)
    bridge_user = Bridge.objects.get(user__auth_token__key=token).user
    client.force_login(bridge_user)

    assert client.get(URL).status_code == 401


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("redis_url", ["redis://127.0.0.1:6379/12", "redis://127.0.0.1:1/0"])
def test_the_long_poll_returns_a_command_issued_while_it_waits(redis_url):
    account = TradingAccountFactory(login="7300009")
    bridge_client = _client(_token("mt5-live", "--accounts", account.login))
    account.refresh_from_db()
    started = threading.Event()

    def issue_soon():
        started.wait(5)
        time.sleep(0.5)
        _issue(account, key="late")  # autocommit: committed, published, bridge woken
        connection.close()

    issuer = threading.Thread(target=issue_soon)
    issuer.start()
    with override_settings(REDIS_URL=redis_url):
        began = time.monotonic()
        started.set()
        response = bridge_client.get(URL, {"wait": "10"})
        waited = time.monotonic() - began
    issuer.join()

    assert [c["login"] for c in response.json()["commands"]] == ["7300009"]
    assert 0.4 < waited < 3
    assert PlatformCommand.objects.get().status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_the_long_poll_gives_up_after_wait_seconds_with_nothing():
    account = TradingAccountFactory(login="7300010")
    bridge_client = _client(_token("mt5-live", "--accounts", account.login))

    began = time.monotonic()
    response = bridge_client.get(URL, {"wait": "1.5"})

    assert response.json() == {"commands": []}
    assert 1.4 < time.monotonic() - began < 3
