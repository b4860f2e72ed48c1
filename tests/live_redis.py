"""Helpers for tests of the live pages: the live Redis (REDIS_URL's database), events on
`live:events`, the nearest-to-limits keys, and reading server-sent events from a response."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.signals import request_finished
from django.db import close_old_connections

from live import events
from live.selectors import DETAIL, USED

Frame = tuple[str, object]  # (event name, data)


def publish(event: dict) -> None:
    events.publish(event)


def set_live_row(account, used_bp: int, **detail) -> None:
    """Put an account in the nearest-to-limits set as a monitor would."""
    row = {
        "login": account.login,
        "trader_id": account.trader_id,
        "equity": "95812.40",
        "daily_floor": "95000.00",
        "total_floor": "90000.00",
        "used_daily_bp": used_bp,
        "used_total_bp": used_bp // 2,
        "ts": int(time.time()),
        "status": "active",
        **detail,
    }
    redis = events.client()
    redis.hset(DETAIL, str(account.pk), json.dumps(row))
    redis.zadd(USED, {str(account.pk): used_bp})


def clear_live_rows() -> None:
    events.client().delete(USED, DETAIL)


def parse(block: bytes) -> Frame | None:
    name, data = "message", None
    for line in block.decode().split("\n"):
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            data = json.loads(line[len("data: ") :])
    return (name, data) if data is not None else None


class Stream:
    """The frames of a streaming response, read as they come."""

    def __init__(self, response) -> None:
        self.response = response
        self.chunks = iter(response.streaming_content)
        self.buffer = b""
        self.raw: list[bytes] = []
        self.prelude = b""

    def read(self, until: Callable[[list[Frame]], bool], seconds: float = 3.0) -> list[Frame]:
        """Frames until `until(frames)` holds, `seconds` pass (the test stream pings twice a
        second, so reading never blocks long) or the stream ends."""
        deadline = time.monotonic() + seconds
        frames: list[Frame] = []
        for chunk in self.chunks:
            self.raw.append(chunk)
            self.buffer += chunk
            while b"\n\n" in self.buffer:
                block, self.buffer = self.buffer.split(b"\n\n", 1)
                if (frame := parse(block)) is not None:
                    frames.append(frame)
            if until(frames) or time.monotonic() > deadline:
                break
        return frames

    def first(self) -> bytes:
        return next(self.chunks)


def close(response) -> None:
    """Close a streaming response as the test client does at the end of its content: without
    the end-of-request signal closing the test's database connection (still in its
    transaction)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@contextmanager
def stream(client, url: str) -> Iterator[Stream]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/event-stream"
    try:
        opened = Stream(response)
        opened.prelude = opened.first()  # subscribed: events published from now are received
        yield opened
    finally:
        close(response)
