"""Live risk fixtures: a Redis database of this test process's own, a bridge with accounts.

The live keys (shard streams, leases, state) and the events channel are the firm's, so two test
processes sharing one Redis database would read each other's ticks: each xdist worker gets its
own database (8 + worker number) and its own events channel, flushed around every test.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from evaluations.models import Bridge
from tests.builders import add_rules
from tests.factories import RuleSetFactory, TradingAccountFactory, UserFactory

DAILY_TOTAL = (
    ("max_daily_loss", "hard", {"percent": "5"}),
    ("max_total_loss", "hard", {"percent": "10"}),
)


def _worker_number() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name.removeprefix("gw") or 0)


@pytest.fixture
def live_redis(settings):
    base = (settings.REDIS_URL or "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    number = _worker_number()
    settings.LIVE_REDIS_URL = f"{base}/{8 + number % 8}"
    settings.LIVE_EVENTS_CHANNEL = f"live:events:test{number}"
    client = redis.Redis.from_url(settings.LIVE_REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


def make_bridge(name: str = "mt5-live") -> tuple[Bridge, APIClient]:
    user = UserFactory(email=f"bridge-{name}@bridges.propdesk.invalid")
    bridge = Bridge.objects.create(name=name, user=user, platform="mt5")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return bridge, client


def bridge_account(bridge: Bridge | None, rules=DAILY_TOTAL, **kwargs):
    rule_set = add_rules(RuleSetFactory(phase__reset_tz="UTC"), rules)
    started = kwargs.pop("started_at", None) or dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    return TradingAccountFactory(
        rule_set=rule_set,
        bridge=bridge,
        started_at=started,
        initial_balance=Decimal("100000.00"),
        **kwargs,
    )


@pytest.fixture
def bridge_client(db):
    return make_bridge()


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def channel() -> str:
    return settings.LIVE_EVENTS_CHANNEL
