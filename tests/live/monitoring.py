"""Driving monitor processes in a test: in-process `Monitor`s stepped until a condition holds."""

from __future__ import annotations

import time
from collections.abc import Callable

from live.monitor import Monitor


def run_until(
    *monitors: Monitor, done: Callable[[], object] | None = None, timeout: float = 10.0
) -> None:
    """Step the monitors (rebalancing first) until `done()` or, without it, until none has
    anything left to read (three idle rounds: the first reads of a shard are its backlog)."""
    deadline = time.monotonic() + timeout
    rebalanced = 0.0
    idle = 0
    while time.monotonic() < deadline:
        if time.monotonic() - rebalanced > 0.3:
            for monitor in monitors:
                monitor.rebalance()
            rebalanced = time.monotonic()
        worked = sum(monitor.step() for monitor in monitors)
        if done is not None and done():
            return
        idle = 0 if worked else idle + 1
        if done is None and idle >= 3:
            return
        if not worked:
            time.sleep(0.01)
    raise AssertionError(f"monitors did not finish within {timeout}s")
