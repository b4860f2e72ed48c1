"""The live feed API: what a bridge may send, what is refused (by index, with the reason), and
what a bridge sees when Redis is down or it sends too fast."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from live import state
from tests.factories import TraderFactory
from tests.live.conftest import bridge_account, iso, make_bridge

pytestmark = pytest.mark.django_db


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def tick(login: str, at: dt.datetime | None = None, **overrides) -> dict:
    item = {"account": login, "time": iso(at or now()), "balance": "100000.00",
            "equity": "99950.12"}  # fmt: skip
    return {**item, **overrides}


def stream_rows(live_redis, kind: str = "ticks") -> list:
    rows = []
    for shard in range(state.shards()):
        for _, fields in live_redis.xrange(state.stream_key(shard)):
            if fields[b"k"].decode() == kind:
                rows.extend(json.loads(fields[b"d"]))
    return rows


def test_ticks_for_many_accounts_go_to_their_shards_as_cents(live_redis, bridge_client):
    bridge, client = bridge_client
    accounts = [bridge_account(bridge) for _ in range(5)]
    at = now()

    response = client.post(
        "/api/live/ticks/", {"ticks": [tick(a.login, at) for a in accounts]}, format="json"
    )

    assert response.status_code == 202, response.json()
    assert response.json() == {"accepted": 5, "refused": []}
    rows = stream_rows(live_redis)
    assert sorted(r[0] for r in rows) == sorted(a.pk for a in accounts)
    assert {(r[1], r[2], r[3]) for r in rows} == {(int(at.timestamp()), 10_000_000, 9_995_012)}
    for shard in range(state.shards()):
        for _, fields in live_redis.xrange(state.stream_key(shard)):
            assert all(r[0] % state.shards() == shard for r in json.loads(fields[b"d"]))


def test_each_bad_item_is_refused_by_index_and_the_rest_accepted(live_redis, bridge_client):
    bridge, client = bridge_client
    mine = bridge_account(bridge)
    other_bridge, _ = make_bridge("ctrader-1")
    theirs = bridge_account(other_bridge)
    late_starter = bridge_account(bridge, started_at=now() - dt.timedelta(minutes=5))
    items = [
        tick(mine.login),  # 0 fine
        tick("99999999"),  # 1 unknown
        tick(theirs.login),  # 2 another bridge's account
        tick(late_starter.login, now() - dt.timedelta(minutes=10)),  # 3 before its start
        tick(mine.login, now() + dt.timedelta(minutes=5)),  # 4 future
        tick(mine.login, now() - dt.timedelta(days=3)),  # 5 too old
        tick(mine.login, equity="NaN"),  # 6
        tick(mine.login, equity="HUGE"),  # 7 a JSON number out of range (sent as 1e999)
        tick(mine.login, balance="12.345"),  # 8 more than cents
        {"account": mine.login, "time": iso(now()), "balance": "1"},  # 9 no equity
        tick(mine.login, time="2026-12-07 10:00:00"),  # 10 no offset
        "not an object",  # 11
    ]

    body = json.dumps({"ticks": items}).replace('"HUGE"', "1e999")
    response = client.post("/api/live/ticks/", body, content_type="application/json")

    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    reasons = {r["index"]: r["reason"] for r in body["refused"]}
    assert sorted(reasons) == list(range(1, 12))
    assert "unknown account '99999999'" in reasons[1]
    assert "not run by this bridge" in reasons[2]
    assert "before account" in reasons[3]
    assert "future" in reasons[4]
    assert "too old" in reasons[5]
    assert "finite" in reasons[6]
    assert reasons[7] == "equity is out of range: 1E+999"
    assert "more than 2 decimal places" in reasons[8]
    assert "equity is required" in reasons[9]
    assert "UTC offset" in reasons[10]
    assert "object" in reasons[11]
    assert [r[0] for r in stream_rows(live_redis)] == [mine.pk]


def test_a_request_with_nothing_acceptable_is_a_400_and_writes_nothing(live_redis, bridge_client):
    _, client = bridge_client

    response = client.post("/api/live/ticks/", {"ticks": [tick("nobody")]}, format="json")
    empty = client.post("/api/live/ticks/", {"ticks": []}, format="json")

    assert response.status_code == 400
    assert response.json()["refused"] == [{"index": 0, "reason": "unknown account 'nobody'"}]
    assert empty.status_code == 400
    assert empty.json() == {"ticks": ["A non-empty list is required."]}
    assert stream_rows(live_redis) == []


def test_position_sets_are_checked_item_by_item(live_redis, bridge_client):
    bridge, client = bridge_client
    account = bridge_account(bridge)
    good = {"id": "77", "symbol": "EURUSD", "side": "buy", "volume": "1.5",
            "open_time": iso(now()), "open_price": "1.08123", "profit": "-12.40"}  # fmt: skip
    items = [
        {"account": account.login, "time": iso(now()), "positions": [good]},
        {"account": account.login, "time": iso(now()), "positions": [{**good, "volume": "-1"}]},
        {"account": account.login, "time": iso(now()), "positions": [good, good]},
        {"account": account.login, "time": iso(now()), "positions": []},
    ]

    response = client.post("/api/live/positions/", {"positions": items}, format="json")

    assert response.status_code == 202
    reasons = {r["index"]: r["reason"] for r in response.json()["refused"]}
    assert reasons[1] == "positions[0]: volume must be positive, not -1"
    assert "twice" in reasons[2]
    rows = stream_rows(live_redis, "positions")
    assert [(r[0], r[2]) for r in rows] == [
        (account.pk, [["77", "EURUSD", "buy", 15000, int(now().timestamp()), "1.08123", -1240]]),
        (account.pk, []),
    ]


def test_only_an_active_bridge_may_push(live_redis, bridge_client):
    bridge, client = bridge_client
    account = bridge_account(bridge)
    trader = APIClient()
    trader.force_authenticate(TraderFactory())

    assert APIClient().post("/api/live/ticks/", {"ticks": [tick(account.login)]},
                            format="json").status_code == 401  # fmt: skip
    assert trader.post("/api/live/ticks/", {"ticks": [tick(account.login)]},
                       format="json").status_code == 403  # fmt: skip
    bridge.active = False
    bridge.save()
    refused = client.post("/api/live/ticks/", {"ticks": [tick(account.login)]}, format="json")
    assert refused.status_code == 403
    assert "active platform bridge" in refused.json()["detail"]


def test_redis_down_answers_503_within_a_second_and_accepts_nothing(settings, bridge_client):
    bridge, client = bridge_client
    account = bridge_account(bridge)
    settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    started = time.monotonic()
    response = client.post("/api/live/ticks/", {"ticks": [tick(account.login)]}, format="json")

    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "retry" in response.json()["detail"]


def test_a_flood_beyond_the_throttle_gets_429(live_redis, bridge_client, settings):
    bridge, client = bridge_client
    account = bridge_account(bridge)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "live_feed": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    cache.clear()
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            client.post(
                "/api/live/ticks/", {"ticks": [tick(account.login)]}, format="json"
            ).status_code  # fmt: skip
            for _ in range(5)
        ]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
        cache.clear()

    assert codes == [202, 202, 202, 429, 429]


def test_the_feed_is_in_the_openapi_schema(admin_client):
    schema = admin_client.get("/api/schema/").content.decode()

    assert "/api/live/ticks/" in schema
    assert "/api/live/positions/" in schema
