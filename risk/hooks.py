"""The hook by which an evaluation tells a floor above `risk` what it found: live risk.

`live` stands above `risk` (docs/architecture.md); the live app registers here when Django
starts (`live.apps.LiveConfig.ready`). After an evaluation commits, every registered listener is
called with the evaluated accounts as `(AccountContext, AccountIn, AccountResult)` triples, so
the live monitors refresh their limits from the engine without a second evaluation. A listener's
error is logged, never raised: the evaluation is saved either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

_listeners: list[Callable[[list[tuple]], None]] = []


def register_evaluated(listener: Callable[[list[tuple]], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def evaluated(items: list[tuple]) -> None:
    """Call the listeners with `items` once the current transaction commits."""
    if not items or not _listeners:
        return
    batch = list(items)

    def call() -> None:
        for listener in _listeners:
            try:
                listener(batch)
            except Exception:  # noqa: BLE001 - a listener never undoes a saved evaluation
                log.exception("live-risk listener %r failed", listener)

    transaction.on_commit(call)
