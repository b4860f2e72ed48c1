"""Live risk helpers: a bridge with its token, accounts it runs. The per-test live Redis is the
suite's `live_redis` fixture (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
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


def make_bridge(name: str = "mt5-live") -> tuple[Bridge, APIClient]:
    user = UserFactory(email=f"bridge-{name}@bridges.propdesk.invalid")
    bridge = Bridge.objects.create(name=name, user=user, platform="mt5")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return bridge, client


def bridge_account(bridge: Bridge | None, rules=DAILY_TOTAL, **kwargs):
    """An account of `bridge` started 3 days ago, 100k, with `rules`. Its daily reset is 12 hours
    away (UTC), so ticks of the last minutes never straddle a reset whenever the test runs."""
    reset_hour = (dt.datetime.now(dt.UTC).hour + 12) % 24
    rule_set = add_rules(RuleSetFactory(phase__reset_tz="UTC", phase__reset_hour=reset_hour), rules)
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
