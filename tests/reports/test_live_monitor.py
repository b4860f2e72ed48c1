"""The staff live monitor (/staff/live/) and its server-sent events (/staff/live/stream/)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from accounts.roles import RISK
from evaluations.models import Bridge, PlatformCommand
from tests.conftest import client_with_second_factor
from tests.factories import TradingAccountFactory, UserFactory, ViolationFactory, staff_user
from tests.live_redis import publish, set_live_row, stream

pytestmark = [pytest.mark.django_db]

STREAM = "/staff/live/stream/"


@pytest.fixture
def risk_client():
    client = client_with_second_factor()
    client.force_login(staff_user(RISK))
    return client


def _command(account, status="issued") -> PlatformCommand:
    bridge = Bridge.objects.create(name=f"mt5-{account.pk}", user=UserFactory())
    return PlatformCommand.objects.create(
        bridge=bridge, account=account, kind="close_and_disable", status=status, key=account.login
    )


def test_the_page_starts_from_redis_and_the_latest_violations_and_commands(risk_client, live_redis):
    near, far = TradingAccountFactory(), TradingAccountFactory()
    set_live_row(far, 2500, equity="99100.00")
    set_live_row(near, 8012, equity="95812.40")
    ViolationFactory(account=near, message="Equity 94,990.12 fell below the daily floor")
    _command(near, status="delivered")

    html = risk_client.get(reverse("reports:live")).content.decode()

    nearest = html.split('data-testid="live-nearest"')[1].split("</table>")[0]
    assert nearest.index(near.login) < nearest.index(far.login)
    assert "95,812.40" in nearest and "80 %" in nearest and "25 %" in nearest
    assert "Equity 94,990.12 fell below the daily floor" in html
    commands = html.split('data-testid="live-commands"')[1].split("</table>")[0]
    assert near.login in commands and "Delivered" in commands
    assert 'data-live-stream="/staff/live/stream/"' in html
    assert "Live updates are unavailable" not in html


def test_the_page_says_live_updates_are_unavailable_without_redis(risk_client, settings, db):
    settings.REDIS_URL = settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"
    ViolationFactory(message="Still listed from the database")

    html = risk_client.get(reverse("reports:live")).content.decode()

    assert "Live updates are unavailable" in html
    assert "Still listed from the database" in html


def _marked(frames, marker) -> list[str]:
    return [name for name, data in frames if isinstance(data, dict) and data.get("m") == marker]


def test_the_stream_passes_every_event_of_the_channel(risk_client, live_redis):
    account = TradingAccountFactory()
    marker = f"test-{account.pk}-{time.time_ns()}"
    with stream(risk_client, STREAM) as live:
        for kind in ("breach", "alert", "command"):
            publish({"type": kind, "account_id": account.pk, "login": account.login, "m": marker})

        frames = live.read(lambda fs: len(_marked(fs, marker)) == 3)

    assert _marked(frames, marker) == ["breach", "alert", "command"]


def test_the_stream_sends_the_nearest_list_at_once_and_again_only_when_it_changed(
    risk_client, live_redis
):
    first, second = TradingAccountFactory(), TradingAccountFactory()
    set_live_row(first, 7000)
    with stream(risk_client, STREAM) as live:
        start = live.read(lambda fs: any(name == "nearest" for name, _ in fs))
        # Unchanged for more than a second: no second `nearest`.
        idle = live.read(lambda fs: False, seconds=1.6)
        set_live_row(second, 9100, equity="95100.00")
        changed = live.read(lambda fs: any(name == "nearest" for name, _ in fs))

    assert [row["login"] for name, rows in start if name == "nearest" for row in rows] == [
        first.login
    ]
    assert not [name for name, _ in idle if name == "nearest"]
    rows = next(rows for name, rows in changed if name == "nearest")
    assert [(row["login"], row["used_bp"], row["equity"]) for row in rows] == [
        (second.login, 9100, "95100.00"),
        (first.login, 7000, "95812.40"),
    ]


def test_the_stream_ends_after_its_max_lifetime(risk_client, live_redis, settings):
    settings.LIVE_STREAM_MAX_SECONDS = 1
    started = time.monotonic()
    with stream(risk_client, STREAM) as live:
        live.read(lambda fs: False, seconds=10)
        ended = next(live.chunks, None) is None

    assert ended
    assert time.monotonic() - started < 3
    assert live.prelude.startswith(b"retry: 3000\n")  # the browser waits 3 s to reconnect


@pytest.mark.parametrize("url", [STREAM, "/live/stream/"])
def test_a_stream_answers_503_at_once_when_redis_is_unreachable(settings, url, db):
    settings.REDIS_URL = settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"
    client = client_with_second_factor()
    client.force_login(staff_user(RISK) if url == STREAM else TradingAccountFactory().trader)

    started = time.monotonic()
    response = client.get(url)

    assert response.status_code == 503
    assert time.monotonic() - started < 1


def test_a_trader_may_not_follow_the_staff_stream(live_redis):
    client = client_with_second_factor()
    client.force_login(TradingAccountFactory().trader)

    assert client.get(STREAM).status_code == 403
