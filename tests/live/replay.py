"""Replay an engine account through the live evaluator, the way production feeds it.

The live side starts from the engine's evaluation of the account with no events (as of its
start), then takes the account's events in time order: ticks (its snapshots), trade closes and
balance operations, and the full set of open positions at every open and close instant. At every
close and balance operation it does what production does: evaluate the prefix of the account up
to that instant with the engine and `refresh` the live state from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from live.engine.evaluator import on_balance, on_positions, on_tick, refresh, start_state
from live.engine.types import LiveLimits, LiveState, NearLimit, limits_from_rules
from risk.engine import evaluate
from risk.engine.timeline import FLOW_KINDS
from risk.engine.types import AccountIn, Breach

TICK, CLOSE, OPERATION, POSITIONS = "tick", "close", "operation", "positions"


@dataclass
class Replay:
    limits: LiveLimits
    state: LiveState
    events: list = field(default_factory=list)
    refresh_mismatches: list = field(default_factory=list)  # (ts, live, refreshed) dicts

    @property
    def breaches(self) -> list[Breach]:
        return [e for e in self.events if isinstance(e, Breach)]

    @property
    def alerts(self) -> list[NearLimit]:
        return [e for e in self.events if isinstance(e, NearLimit)]

    @property
    def first_hard(self) -> Breach | None:
        return next((b for b in self.breaches if b.severity == "hard"), None)


def prefix(account: AccountIn, ts: int) -> AccountIn:
    """The account as the engine knows it at ts: what closed or happened at or before ts."""
    return replace(
        account,
        trades=tuple(t for t in account.trades if t.close_ts <= ts),
        snapshots=tuple(s for s in account.snapshots if s.ts <= ts),
        balance_ops=tuple(op for op in account.balance_ops if op.ts <= ts),
        as_of_ts=ts,
    )


def feed(account: AccountIn) -> list[tuple]:
    """The account's live feed in time order: (ts, order, kind, payload); at one instant the
    balance changes come first, then the tick (the engine's order), then the positions."""
    feed = [(s.ts, 1, TICK, s.equity) for s in account.snapshots]
    feed += [(t.close_ts, 0, CLOSE, t.net) for t in account.trades]
    feed += [(op.ts, 0, OPERATION, op) for op in account.balance_ops]
    instants = {t.open_ts for t in account.trades} | {t.close_ts for t in account.trades}
    for ts in instants:
        open_now = [(str(t.id), t.volume) for t in account.trades if t.open_ts <= ts < t.close_ts]
        feed.append((ts, 2, POSITIONS, open_now))
    feed.sort(key=lambda e: (e[0], e[1]))
    return feed


def replay(account: AccountIn, *, check_refresh: bool = False, refreshes: bool = True) -> Replay:
    """Run the live path over the account's events; see the module docstring.

    check_refresh: record every refresh whose state differs from the live state it replaces
    (before the first hard breach the engine and the live path must agree on every field).
    """
    limits = limits_from_rules(account)
    empty = prefix(replace(account, trades=(), snapshots=(), balance_ops=()), account.started_ts)
    run = Replay(limits, start_state(limits, empty, evaluate(empty)))
    events = feed(account)
    balance_changed_at = None
    for i, (ts, _, kind, payload) in enumerate(events):
        state = run.state
        if kind == TICK:
            run.events += on_tick(limits, state, ts, payload)
        elif kind == POSITIONS:
            run.events += on_positions(limits, state, ts, payload)
        elif kind == CLOSE:
            run.events += on_balance(limits, state, ts, payload, False)
            balance_changed_at = ts
        else:
            run.events += on_balance(limits, state, ts, payload.amount, payload.kind in FLOW_KINDS)
            balance_changed_at = ts
        instant_ends = i + 1 == len(events) or events[i + 1][0] != ts
        if refreshes and instant_ends and balance_changed_at == ts:
            known = prefix(account, ts)
            new = refresh(limits, state, known, evaluate(known))
            if check_refresh and not state.failed and new.to_dict() != state.to_dict():
                run.refresh_mismatches.append((ts, state.to_dict(), new.to_dict()))
            run.state = new
    return run
