"""The live evaluator raises exactly the engine's loss-limit breaches, on random accounts.

Hypothesis draws an account (B0, a reset zone and hour, a rule set of daily loss, total loss in
every mode, position size and open volume) and a path over several days, some across a DST
change: ticks (an equity random walk with big drops), positions opened and closed, deposits,
withdrawals and adjustments, some events exactly at a reset. The engine evaluates the whole
account; the live path replays it event by event, refreshing from the engine at every close and
balance operation (`tests.live.replay`). Both must agree on the first hard breach and on every
breach up to it: daily and total loss to the key and the wording, the position rules on their
numbers (their keys name positions live and trades in the engine, on purpose).

Events sit at distinct seconds: the engine merges the events of one second into one point (a
snapshot at the second of a close is taken to include it), which a streaming path that sees one
event at a time cannot do. A trade's close and the positions set sent with it share their second,
which the engine also separates (closes before opens). Ticks carry a balance consistent with the
closes before them. Every position is closed by the end, so the engine knows every trade.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from live.engine.types import LiveState
from risk.engine import evaluate
from risk.engine.days import day_calendar
from risk.engine.types import AccountIn, BalanceOpIn, SnapshotIn, TradeIn
from tests.risk.engine.builders import rule

from .replay import replay

ZONES = [("Europe/Prague", 0), ("America/Chicago", 17), ("UTC", 0)]
# a few days before a DST change in Europe or the US, and an ordinary June week (UTC)
STARTS = ["2026-03-26 09:00", "2026-10-22 09:00", "2026-03-05 15:00", "2026-10-29 15:00",
          "2026-06-10 09:00"]  # fmt: skip
GAPS = [1, 45, 600, 3_600, 3 * 3_600, 7 * 3_600, 16 * 3_600, 30 * 3_600, 60 * 3_600, 80 * 3_600]
# "touch": a tick exactly at a floor the engine reports at that instant, or a cent either side
KINDS = ["tick"] * 6 + ["drop", "drop", "touch", "touch", "open", "open", "close", "close",
                        "deposit", "withdrawal", "adjustment"]  # fmt: skip
VOLUMES = [5_000, 10_000, 20_000, 25_000, 30_000, 40_000]

POSITION_CODES = ("max_position_size", "max_open_volume")


@st.composite
def rule_sets(draw):
    rules = []
    if draw(st.booleans()):
        params = {
            "percent": draw(st.sampled_from(["5", "4.5", "2", "3.3"])),
            "reference": draw(st.sampled_from(["balance", "equity", "max_balance_equity"])),
            "amount_base": draw(st.sampled_from(["initial", "reference"])),
        }
        on_breach = draw(st.sampled_from([None, "fail", "pause_until_reset", "pause_until_reset"]))
        if on_breach:
            params["on_breach"] = on_breach
        rules.append(rule("max_daily_loss", **params))
    if draw(st.integers(0, 2)):
        lock_at = draw(st.sampled_from([None, "initial", "lift"]))
        rules.append(
            (
                "max_total_loss",
                {
                    "percent": draw(st.sampled_from(["10", "6", "8.5", "3"])),
                    "mode": draw(
                        st.sampled_from(
                            ["static", "trailing_intraday", "trailing_eod", "trailing_closed"]
                        )
                    ),
                    "lock_at": lock_at,
                },
            )
        )
    for code, volumes in (("max_position_size", ["1", "2.5"]), ("max_open_volume", ["3", "5"])):
        if draw(st.integers(0, 2)) == 0:
            severity = draw(st.sampled_from(["hard", "soft"]))
            rules.append(rule(code, severity, max_volume=draw(st.sampled_from(volumes))))
    return rules


steps = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.sampled_from(GAPS),
        st.integers(-1_000, 1_000),
        st.integers(0, 4).map(lambda n: n == 0),  # jump to the next reset exactly
    ),
    min_size=3,
    max_size=30,
)


@dataclass
class Walk:
    """Builds a consistent account path from the drawn steps."""

    b0: int
    ts: int
    balance: int
    floating: int = 0
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


@st.composite
def accounts(draw) -> AccountIn:
    b0 = draw(st.sampled_from([10_000_00, 50_000_00, 100_000_00, 200_000_00, 25_000_37]))
    tz, hour = draw(st.sampled_from(ZONES))
    start = int(
        datetime.fromisoformat(draw(st.sampled_from(STARTS))).replace(tzinfo=UTC).timestamp()
    )
    start += draw(st.integers(0, 8)) * 3_600
    rules = []
    for item in draw(rule_sets()):
        if isinstance(item, tuple):  # total loss: its lock depends on B0
            code, params = item
            if params["lock_at"] == "lift":
                params["lock_at"] = f"{(b0 + b0 // 50) // 100}.{(b0 + b0 // 50) % 100:02d}"
            item = rule(code, **{k: v for k, v in params.items() if v is not None})
        rules.append(item)
    calendar = day_calendar(tz, hour)
    walk = Walk(b0, start, b0)
    trades, snapshots, ops = [], [], []
    open_positions: list[tuple[int, int, int]] = []  # (id, open_ts, volume)
    unit = b0 // 10_000  # 0.01 % of B0
    for kind, gap, x, at_reset in draw(steps):
        walk.ts = calendar.day_of(walk.ts).end_ts if at_reset else walk.ts + gap
        if kind == "close" and not open_positions:
            kind = "open"
        if kind in ("tick", "drop", "touch"):
            if kind == "touch":
                known = AccountIn(1, b0, start, tz, hour, tuple(rules), _by_close(trades),
                                  tuple(snapshots), tuple(ops), as_of_ts=walk.ts)  # fmt: skip
                result = evaluate(known)
                floors = [f for f in (result.daily_floor, result.total_floor) if f is not None]
                if floors:
                    walk.floating = floors[x % len(floors)] + x % 3 - 1 - walk.balance
            else:
                walk.floating += x * unit // 4 if kind == "tick" else -abs(x) * unit * 3 // 2
            equity = walk.balance + walk.floating
            snapshots.append(SnapshotIn(walk.new_id(), walk.ts, walk.balance, equity))
        elif kind == "open":
            open_positions.append((walk.new_id(), walk.ts, VOLUMES[x % len(VOLUMES)]))
        elif kind == "close":
            trades.append(_close(open_positions.pop(x % len(open_positions)), walk, x * unit // 5))
        else:
            amount = {"deposit": abs(x), "withdrawal": -abs(x), "adjustment": x}[kind] * unit // 2
            ops.append(BalanceOpIn(walk.new_id(), walk.ts, amount, kind))
            walk.balance += amount
    for position in open_positions:
        walk.ts += 60
        trades.append(_close(position, walk, ((position[0] * 7_919) % 2_001 - 1_000) * unit // 5))
    return AccountIn(
        account_id=1,
        initial_balance=b0,
        started_ts=start,
        reset_tz=tz,
        reset_hour=hour,
        rules=tuple(rules),
        trades=_by_close(trades),
        snapshots=tuple(snapshots),
        balance_ops=tuple(ops),
        as_of_ts=walk.ts,
    )


def _by_close(trades) -> tuple[TradeIn, ...]:
    return tuple(sorted(trades, key=lambda t: (t.close_ts, t.id)))


def _close(position, walk: Walk, net: int) -> TradeIn:
    trade_id, open_ts, volume = position
    walk.balance += net
    walk.floating //= 2  # part of the floating result was this position's
    return TradeIn(trade_id, f"T{trade_id}", "EURUSD", "buy", volume, open_ts, walk.ts, net)


def numbers(breach) -> tuple:
    return (breach.code, breach.ts, breach.threshold, breach.observed) if breach else None


def comparable(breach) -> tuple:
    """What must be equal: everything for daily and total loss (but the evidence, which the live
    path leaves to the caller); the numbers, severity and day for position rules."""
    if breach.code in POSITION_CODES or ":paused:" in breach.key:
        return (breach.ts, breach.code, breach.threshold, breach.observed, breach.severity,
                breach.day)  # fmt: skip
    return (breach.ts, breach.code, breach.threshold, breach.observed, breach.severity,
            breach.day, breach.key, breach.message, sorted(breach.details.items()))  # fmt: skip


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(accounts())
def test_live_path_raises_the_engines_breaches(account):
    engine = evaluate(account)
    live = replay(account, check_refresh=True)

    assert numbers(live.first_hard) == numbers(engine.first_hard_breach)
    cutoff = engine.first_hard_breach.ts if engine.first_hard_breach else account.as_of_ts
    expected = sorted(comparable(b) for b in engine.breaches if b.ts <= cutoff)
    assert sorted(comparable(b) for b in live.breaches) == expected
    assert live.refresh_mismatches == []
    stored = json.loads(json.dumps(live.state.to_dict()))
    assert LiveState.from_dict(stored) == live.state
    for breach in expected:
        event(f"breach {breach[1]} {breach[4]}{' at a reset' if 'reset' in breach[-2] else ''}")
    event(f"first hard: {engine.first_hard_breach.code if engine.first_hard_breach else None}")
    if any(b.details.get("at_reset") or "reset" in b.message for b in engine.breaches):
        event("a breach at a reset instant")
    if any(":paused:" in b.key for b in live.breaches):
        event("a position opened while paused")
    if any(d.end_ts - d.start_ts != 86_400 for d in engine.days):
        event("a DST day")
    if len(live.alerts):
        event("near-limit alerts")
    event(f"{len(engine.days)} days")
