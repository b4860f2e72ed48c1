"""API throttling: each bridge token has its own request budget; past it the answer is 429
with Retry-After, nothing is imported, and other bridges carry on."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from evaluations.models import ImportBatch
from tests.factories import TradingAccountFactory

TRADES_URL = "/api/bridge/trades/"
LIMIT = 3
BATCH = {
    "trades": [
        {
            "account": "8100001",
            "ticket": "500",
            "symbol": "EURUSD",
            "side": "buy",
            "volume": "1.00",
            "open_time": "2026-03-02T08:00:00Z",
            "open_price": "1.08000",
            "close_time": "2026-03-02T09:00:00Z",
            "close_price": "1.08250",
            "commission": "-7.00",
            "profit": "250.00",
        }
    ]
}


@pytest.fixture
def small_rate(settings, monkeypatch):
    """LIMIT requests a minute per user. DRF reads the rates once, into the throttle class."""
    rates = {"user": f"{LIMIT}/min", "anon": f"{LIMIT}/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", api_settings.DEFAULT_THROTTLE_RATES)
    assert rates == SimpleRateThrottle.THROTTLE_RATES  # api_settings reloaded on the change


def _bridge(name: str) -> APIClient:
    out = StringIO()
    call_command("create_bridge", name, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


@pytest.fixture
def bridges(db, small_rate):
    TradingAccountFactory(login="8100001")
    return _bridge("mt5-live"), _bridge("ctrader-1")


def test_a_bridge_past_its_rate_gets_429_with_retry_after_and_nothing_is_imported(bridges):
    busy, _ = bridges
    statuses = [busy.post(TRADES_URL, BATCH, format="json").status_code for _ in range(LIMIT)]

    refused = busy.post(TRADES_URL, BATCH, format="json")

    assert statuses == [201] * LIMIT
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()
    assert ImportBatch.objects.filter(source="api").count() == LIMIT


def test_another_bridge_is_not_slowed_by_a_busy_one(bridges):
    busy, quiet = bridges
    for _ in range(LIMIT + 2):
        busy.post(TRADES_URL, BATCH, format="json")
    assert busy.post(TRADES_URL, BATCH, format="json").status_code == 429

    assert [quiet.post(TRADES_URL, BATCH, format="json").status_code for _ in range(LIMIT)] == [
        201
    ] * LIMIT
    assert quiet.post(TRADES_URL, BATCH, format="json").status_code == 429


def test_a_throttled_bridge_may_push_again_once_the_minute_has_passed(bridges):
    busy, _ = bridges
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(LIMIT):
            busy.post(TRADES_URL, BATCH, format="json")
        refused = busy.post(TRADES_URL, BATCH, format="json")
        assert refused.status_code == 429

        traveller.shift(dt.timedelta(seconds=int(refused["Retry-After"]) + 1))
        again = busy.post(TRADES_URL, BATCH, format="json")

    assert again.status_code == 201
