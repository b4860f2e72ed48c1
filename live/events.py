"""The live events channel (`live:events`, docs/live-risk.md "Events") and its Redis client.

Monitors publish one JSON object per breach, near-limit alert and command change; the staff live
monitor and the trader's banner follow them over server-sent events (`live.streams`). Pub/sub
keeps nothing: a page renders its start from PostgreSQL and Redis, then applies the events.
"""

from __future__ import annotations

import functools
import json

import redis
from django.conf import settings

CHANNEL = "live:events"
# A healthy Redis answers in well under a millisecond: a page asking for live updates while
# Redis is down or hung is told so (503) at once instead of holding a web thread.
TIMEOUT_SECONDS = 0.5


class LiveUnavailable(Exception):
    """No Redis for live risk is configured."""


REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, LiveUnavailable)


def redis_url() -> str:
    """LIVE_REDIS_URL when set, else REDIS_URL (the live feed's Redis; docs/live-risk.md)."""
    return getattr(settings, "LIVE_REDIS_URL", "") or settings.REDIS_URL


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
        health_check_interval=30,
        retry=None,
    )


def client() -> redis.Redis:
    """The live Redis, failing within TIMEOUT_SECONDS. Raises one of REDIS_ERRORS."""
    url = redis_url()
    if not url:
        raise LiveUnavailable("live updates need Redis: set LIVE_REDIS_URL or REDIS_URL")
    return _client(url)


def available() -> bool:
    """Whether the live Redis answers now (a PING)."""
    try:
        return bool(client().ping())
    except REDIS_ERRORS:
        return False


def publish(event: dict) -> int:
    """Send one event to every page following `live:events`; returns how many listened."""
    return client().publish(CHANNEL, json.dumps(event, separators=(",", ":")))


class Subscription:
    """One listener of `live:events`, on its own connection until `close()`."""

    def __init__(self) -> None:
        self._pubsub = client().pubsub()
        try:
            self._pubsub.subscribe(CHANNEL)
            # Wait for Redis to confirm, so an event published after this returns is received.
            message = self._pubsub.get_message(timeout=TIMEOUT_SECONDS)
            if message is None or message["type"] != "subscribe":
                raise redis.TimeoutError("no confirmation of the live events subscription")
        except BaseException:
            self._pubsub.close()
            raise

    def next_event(self, timeout: float) -> dict | None:
        """The next event within `timeout` seconds, or None (malformed messages are skipped)."""
        message = self._pubsub.get_message(timeout=max(timeout, 0.0))
        if message is None or message["type"] != "message":
            return None
        try:
            event = json.loads(message["data"])
        except (TypeError, ValueError):
            return None
        return event if isinstance(event, dict) and isinstance(event.get("type"), str) else None

    def close(self) -> None:
        self._pubsub.close()
