"""Best-effort Redis signals for the live desk and the bridges' long polls.

Two kinds, both fire-and-forget (PostgreSQL holds the truth; a lost signal only delays a screen
or a long poll by its fallback poll):

- `publish(event)`: one JSON object on the pub/sub channel `LIVE_EVENTS_CHANNEL` (`live:events`,
  docs/live-risk.md, "Events"), for the staff's live screens and the traders' banners;
- `wake_bridge(bridge_id)`: a message on `live:{b<id>}:wake`, which a bridge's long poll
  (`GET /api/live/commands/`) waits on, so a new command reaches the bridge at once.

They go to the live Redis (`LIVE_REDIS_URL`, by default `REDIS_URL`); with none nothing is
sent. A Redis error is logged, never raised: these run after a transaction committed, and a
decision that is saved must not turn into an error.
"""

from __future__ import annotations

import json
import logging
import threading

from django.conf import settings

log = logging.getLogger(__name__)

SOCKET_TIMEOUT = 1.0  # seconds: a hung Redis delays a commit's hooks by at most this much

_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def bridge_wake_channel(bridge_id: int) -> str:
    """The pub/sub channel a bridge's long polls wait on (hash tag: the bridge)."""
    return f"live:{{b{bridge_id}}}:wake"


def redis_client():
    """A shared client for the live Redis (None when there is none). Connections are made
    lazily, so this never fails; commands on it may."""
    url = getattr(settings, "LIVE_REDIS_URL", "") or settings.REDIS_URL
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                client = _clients[url] = redis.Redis.from_url(
                    url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
                )
    return client


def _send(channel: str, message: str) -> bool:
    client = redis_client()
    if client is None:
        return False
    try:
        client.publish(channel, message)
    except Exception as error:  # noqa: BLE001 - best effort: logged, never raised
        log.warning("not published on %s, Redis is unreachable: %s", channel, error)
        return False
    return True


def publish(event: dict) -> bool:
    """Publish one event (a JSON object with a `type`) on the live events channel; False if not
    sent."""
    message = json.dumps(event, default=str, separators=(",", ":"))
    return _send(settings.LIVE_EVENTS_CHANNEL, message)


def wake_bridge(bridge_id: int) -> bool:
    """Tell the bridge's waiting long polls that a command is ready; False if not sent."""
    return _send(bridge_wake_channel(bridge_id), "1")
