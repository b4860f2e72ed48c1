"""Server-sent events from `live:events` for the staff live monitor and the trader's banner.

A plain WSGI streaming response (gunicorn's threads, the test live server): each open page holds
one web thread and one Redis connection while it follows the stream. So a stream
- sends `retry:` and a comment at once (the browser sees it open), a `: ping` comment every
  LIVE_STREAM_HEARTBEAT_SECONDS (a closed tab is noticed at the next write, and proxies keep the
  connection), and ends after LIVE_STREAM_MAX_SECONDS: the browser's EventSource reconnects,
  which also checks the session and permission again;
- gives its database connection back before streaming (it never reads PostgreSQL again);
- answers 503 at once when Redis cannot be reached (the page says live updates are unavailable
  and tries again later).

Frames: `event: <type>` + `data: <JSON on one line>`; the types are the channel's (`breach`,
`alert`, `command`, `state`) plus what a stream adds itself (the staff's `nearest`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse

from .events import REDIS_ERRORS, Subscription

Accept = Callable[[dict], dict | None]  # the event to send (maybe trimmed), or None to skip it
Periodic = Callable[[], tuple[str, object]]  # (event name, data) sent when the data changed

RETRY_MS = 3000


def max_seconds() -> float:
    return float(getattr(settings, "LIVE_STREAM_MAX_SECONDS", 300))


def heartbeat_seconds() -> float:
    return float(getattr(settings, "LIVE_STREAM_HEARTBEAT_SECONDS", 15))


def periodic_seconds() -> float:
    return float(getattr(settings, "LIVE_STREAM_PERIODIC_SECONDS", 1))


def frame(name: str, data: object) -> bytes:
    body = json.dumps(data, separators=(",", ":"), default=str)
    return f"event: {name}\ndata: {body}\n\n".encode()


class LiveStream:
    """The frames of one page's stream; `close()` (the server calls it when the client has gone
    or the stream ended) drops the Redis subscription."""

    def __init__(
        self, subscription: Subscription, accept: Accept, periodic: Periodic | None = None
    ) -> None:
        self.subscription = subscription
        self.accept = accept
        self.periodic = periodic

    def __iter__(self) -> Iterator[bytes]:
        return self._frames()

    def close(self) -> None:
        self.subscription.close()

    def _frames(self) -> Iterator[bytes]:
        start = time.monotonic()
        deadline = start + max_seconds()
        next_ping = start + heartbeat_seconds()
        next_periodic = start
        last_periodic: object = None
        yield f"retry: {RETRY_MS}\n: live\n\n".encode()
        try:
            while (now := time.monotonic()) < deadline:
                if self.periodic is not None and now >= next_periodic:
                    name, data = self.periodic()
                    if data != last_periodic:
                        last_periodic = data
                        yield frame(name, data)
                    next_periodic = now + periodic_seconds()
                if now >= next_ping:
                    yield b": ping\n\n"
                    next_ping = now + heartbeat_seconds()
                wake = min(deadline, next_ping, next_periodic if self.periodic else deadline)
                event = self.subscription.next_event(min(max(wake - now, 0.0), 1.0))
                if event is not None and (sent := self.accept(event)) is not None:
                    yield frame(sent["type"], sent)
        except REDIS_ERRORS:
            return  # the browser reconnects and is told whether Redis is back
        finally:
            self.subscription.close()


def event_stream(accept: Accept, periodic: Periodic | None = None) -> HttpResponse:
    """The streaming response, or 503 when Redis is unreachable."""
    try:
        subscription = Subscription()
    except REDIS_ERRORS:
        response = HttpResponse("Live updates are unavailable.", status=503)
        response["Content-Type"] = "text/plain; charset=utf-8"
        response["Retry-After"] = "10"
        return response
    if not connection.in_atomic_block:
        connection.close()  # held for minutes otherwise, and never used by the stream
    response = StreamingHttpResponse(LiveStream(subscription, accept, periodic))
    response["Content-Type"] = "text/event-stream"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each frame on at once
    return response
