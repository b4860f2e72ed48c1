"""Where live risk keeps its shared state in Redis: key names, the client, the shard of an account.

Every key that one operation touches carries the same hash tag (`{s3}` for shard 3, `{live}` for
the firm-wide view), so the keys work on Redis Cluster: a pipeline per shard never crosses slots.
See docs/live-risk.md, "Redis keys".
"""

from __future__ import annotations

import functools

import redis
from django.conf import settings

GROUP = "monitors"  # the consumer group every shard stream has
USED = "live:{live}:used"  # sorted set: account id → basis points of loss room used
DETAIL = "live:{live}:detail"  # hash: account id → JSON of the staff view's row
MONITORS = "live:{live}:monitors"  # sorted set: monitor id → last heartbeat (ms)
# Redis answers a healthy request in well under a millisecond; a live-feed request must fail
# fast (503) rather than hang when Redis is down or hung.
TIMEOUT_SECONDS = 0.5


class LiveUnavailable(Exception):
    """The live feed's Redis cannot be reached: the API answers 503 and the bridge retries."""


def shards() -> int:
    return settings.LIVE_SHARDS


def shard_of(account_id: int) -> int:
    return account_id % settings.LIVE_SHARDS


def stream_key(shard: int) -> str:
    return f"live:{{s{shard}}}:in"


def lease_key(shard: int) -> str:
    return f"live:{{s{shard}}}:lease"


def limits_key(shard: int) -> str:
    return f"live:{{s{shard}}}:limits"


def state_key(shard: int) -> str:
    return f"live:{{s{shard}}}:state"


@functools.cache
def _client(url: str, timeout: float | None) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=timeout,
        health_check_interval=30,
    )


def client(*, blocking: bool = False) -> redis.Redis:
    """The live Redis. `blocking` clients (monitors' XREADGROUP … BLOCK) have no read timeout;
    the others fail within TIMEOUT_SECONDS."""
    url = settings.LIVE_REDIS_URL
    if not url:
        raise LiveUnavailable("live risk needs Redis: set LIVE_REDIS_URL or REDIS_URL")
    return _client(url, None if blocking else TIMEOUT_SECONDS)


REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, LiveUnavailable)
