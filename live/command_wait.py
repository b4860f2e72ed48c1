"""Waiting for a bridge's commands: the long poll behind `GET /api/live/commands/?wait=…`.

The poll claims what is ready at once; with nothing ready it waits on the bridge's wake channel
(`live:{b<id>}:wake`, published when a command for the bridge is issued, evaluations.events)
and claims again as soon as a message arrives, and at least every RECHECK_SECONDS anyway (a
lease that ran out makes a command due again without any message). The subscription is made
before the first claim, so a command issued in between is never missed. With Redis unreachable
the poll falls back to claiming every DB_POLL_SECONDS.
"""

from __future__ import annotations

import contextlib
import logging
import time

from evaluations import events
from evaluations.models import Bridge, PlatformCommand
from evaluations.services.commands import claim_for_bridge

log = logging.getLogger(__name__)

RECHECK_SECONDS = 1.0
DB_POLL_SECONDS = 0.2


class BridgeWake:
    """A subscription to one bridge's wake channel; `wait` returns early on a message."""

    def __init__(self, bridge_id: int):
        self.channel = events.bridge_wake_channel(bridge_id)
        self.pubsub = None

    def __enter__(self) -> BridgeWake:
        client = events.redis_client()
        if client is not None:
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self.pubsub = pubsub
            except Exception as error:  # noqa: BLE001 - fall back to polling the database
                log.warning("long poll without Redis (%s): polling the database", error)
        return self

    @property
    def signalled(self) -> bool:
        return self.pubsub is not None

    def wait(self, timeout: float) -> None:
        """Sleep up to `timeout` seconds, less when the bridge is woken (Redis) or after
        DB_POLL_SECONDS (no Redis)."""
        if self.pubsub is not None:
            try:
                self.pubsub.get_message(timeout=min(timeout, RECHECK_SECONDS))
                return
            except Exception as error:  # noqa: BLE001 - Redis went away mid-poll
                log.warning("long poll lost Redis (%s): polling the database", error)
                self._close()
        time.sleep(max(0.0, min(timeout, DB_POLL_SECONDS)))

    def _close(self) -> None:
        pubsub, self.pubsub = self.pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):  # closing a dead connection
                pubsub.close()

    def __exit__(self, *exc_info) -> None:
        self._close()


def wait_for_commands(bridge: Bridge, *, wait: float, limit: int) -> list[PlatformCommand]:
    """The bridge's due commands (claimed, `claim_for_bridge`), waiting up to `wait` seconds
    for the first one; an empty list when none came in time."""
    deadline = time.monotonic() + wait
    with BridgeWake(bridge.pk) as wake:
        while True:
            claimed = claim_for_bridge(bridge, limit=limit)
            remaining = deadline - time.monotonic()
            if claimed or remaining <= 0:
                return claimed
            wake.wait(remaining)
