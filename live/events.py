"""Following the live events channel (`LIVE_EVENTS_CHANNEL`, docs/live-risk.md "Events").

Monitors and services publish one JSON object per breach, near-limit alert and command change
(`evaluations.events.publish`); the staff live monitor and the trader's banner follow them over
server-sent events (`live.streams`). Pub/sub keeps nothing: a page renders its start from
PostgreSQL and Redis, then applies the events.
"""

from __future__ import annotations

import json

import redis
from django.conf import settings

from evaluations import events as published

from .state import REDIS_ERRORS, TIMEOUT_SECONDS, client

__all__ = ["REDIS_ERRORS", "Subscription", "available", "client", "publish"]


def available() -> bool:
    """Whether the live Redis answers now (a PING)."""
    try:
        return bool(client().ping())
    except REDIS_ERRORS:
        return False


def publish(event: dict) -> bool:
    """Send one event to every page following the channel (best effort, never raises)."""
    return published.publish(event)


class Subscription:
    """One listener of the live events channel, on its own connection until `close()`."""

    def __init__(self) -> None:
        self._pubsub = client().pubsub()
        try:
            self._pubsub.subscribe(settings.LIVE_EVENTS_CHANNEL)
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
