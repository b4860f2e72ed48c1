"""What a monitor holds in memory while it leases a shard: each account's live context, the
batch's findings waiting to be written, and the shard's bookkeeping of what is saved and
acknowledged (`live.monitor` drives them)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from evaluations.models.accounts import OPEN_STATUSES as OPEN
from live.engine.types import LiveLimits, LiveState
from risk.services.money import from_cents


@dataclass(slots=True)
class Account:
    """One account's live context while its shard is held."""

    limits: LiveLimits | None
    meta: dict
    state: LiveState | None
    bar: list | None = None  # [minute_ts, low, high, last, balance, ticks]
    balance: int | None = None  # the latest tick's balance (bars, evidence)
    positions: list = field(default_factory=list)  # the latest position rows
    positions_ts: int = 0

    def dump(self) -> str:
        return json.dumps(
            {
                "s": self.state.to_dict() if self.state else None,
                "b": self.bar,
                "bal": self.balance,
                "p": self.positions,
                "pt": self.positions_ts,
            },
            separators=(",", ":"),
        )

    @property
    def evaluated(self) -> bool:
        return (
            self.limits is not None and self.state is not None and self.meta.get("status") in OPEN
        )


@dataclass(slots=True)
class Found:
    """What one batch of entries produced, to write before acknowledging it."""

    breaches: list = field(default_factory=list)  # (account_id, Breach, Seen)
    alerts: list = field(default_factory=list)  # (account_id, meta, NearLimit, balance, ms)
    bars: list = field(default_factory=list)
    late: list = field(default_factory=list)
    dirty: set = field(default_factory=set)


@dataclass(slots=True)
class Shard:
    number: int
    accounts: dict[int, Account] = field(default_factory=dict)
    # Our own pending entries are read first, from this id on; None once they are all read
    # and new entries (">") are read.
    backlog_from: str | None = "0"
    view_at: float = 0.0
    view_dirty: set = field(default_factory=set)
    unsaved: set = field(default_factory=set)  # accounts whose state changed since the save
    unacked: list = field(default_factory=list)  # entries evaluated, acknowledged at the save
    bars: list = field(default_factory=list)  # finished minute bars, written at the save
    late: list = field(default_factory=list)  # late ticks, written at the save
    saved_at: float = field(default_factory=time.monotonic)


def view_row(account: Account) -> dict:
    live = account.state
    meta = account.meta
    return {
        "login": meta.get("login", ""),
        "trader_id": meta.get("trader_id"),
        "currency": meta.get("currency", ""),
        "equity": _money(live.equity),
        "daily_floor": _money(live.last_daily_floor),
        "total_floor": _money(live.last_total_floor),
        "used_daily_bp": live.used_daily_bp,
        "used_total_bp": live.used_total_bp,
        "ts": live.last_ts,
        "status": meta.get("status", ""),
    }


def _money(cents: int | None) -> str | None:
    """int cents → decimal text (\"-12.05\"), exactly, for the staff view's JSON."""
    return None if cents is None else str(from_cents(cents))
