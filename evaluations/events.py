"""Live events for the staff monitor and the traders' banners: JSON on a Redis pub/sub channel.

Best effort by design: the event is a notice, the database row it describes is the record. A
Redis that cannot be reached is logged and the caller goes on (pages render from PostgreSQL).
"""

from __future__ import annotations

import functools
import json
import logging

import redis
from django.conf import settings

log = logging.getLogger(__name__)


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def publish(event: dict) -> bool:
    """Publish one event on LIVE_EVENTS_CHANNEL; False when there is no Redis or it is down."""
    url = getattr(settings, "LIVE_REDIS_URL", "") or settings.REDIS_URL
    if not url:
        return False
    try:
        _client(url).publish(settings.LIVE_EVENTS_CHANNEL, json.dumps(event, default=str))
    except (redis.ConnectionError, redis.TimeoutError) as error:
        log.warning("live event %s not published: %s", event.get("type"), error)
        return False
    return True
