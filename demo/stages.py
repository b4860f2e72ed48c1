"""Planning the trades of one demo account so that its status is true to them.

An active or funded account stays clear of every loss limit (with half a percent to spare);
a passed one reaches its profit target, after its minimum days and within its consistency
objective, with its last trade; a failed one breaks its tightest loss limit with its last
trade and not before. Each plan is replayed with `demo_market.walk_limits` and drawn again
until the replay agrees. No database access except reading a phase's rules
(`PhaseContext.of`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from demo.market import (
    CFD_INSTRUMENTS,
    FUTURES_INSTRUMENTS,
    LossRule,
    build_trade,
    contract_symbol,
    room_before_next,
    walk_limits,
)
from evaluations.models import Phase, Platform

UTC = dt.UTC


class DemoSeedError(Exception):
    """The demo data could not be (re)created."""


@dataclass
class PhaseContext:
    """What planning a stage needs to know about its phase (amounts in cents)."""

    phase: Phase
    b0: int
    zone: ZoneInfo
    loss_rules: list[LossRule]
    target: int | None  # cents above B0
    min_days: int
    consistency: Decimal | None  # objective share of the best day
    max_volume: Decimal
    futures: bool

    @classmethod
    def of(cls, phase: Phase) -> PhaseContext:
        rules = {r.code: r.params for r in phase.current_rule_set.rules.all()}
        b0 = int(phase.program.account_size * 100)
        percent = rules.get("profit_target", {}).get("percent")
        consistency = rules.get("consistency", {})
        return cls(
            phase=phase,
            b0=b0,
            zone=ZoneInfo(phase.reset_tz),
            loss_rules=[
                LossRule(code, rules[code])
                for code in ("max_daily_loss", "max_total_loss")
                if code in rules
            ],
            target=int(Decimal(percent) * b0 / 100) if percent else None,
            min_days=int(rules.get("min_trading_days", {}).get("days", 1)),
            consistency=(
                Decimal(consistency["percent"]) / 100
                if consistency.get("applies_to") == "objective"
                else None
            ),
            max_volume=Decimal(rules.get("max_position_size", {}).get("max_volume", "50")),
            futures=phase.program.platform in (Platform.TRADOVATE, Platform.NINJATRADER),
        )


@dataclass
class Stage:
    """The trades of one account and how it ended (None: still open)."""

    trades: list[dict]
    ended_at: dt.datetime | None
    reason: str


class StagePlanner:
    def __init__(self, rng: random.Random, now: dt.datetime):
        self.rng = rng
        self.now = now

    def _times(self, day: dt.date, count: int, futures: bool) -> list[tuple]:
        start_hour, end_hour = (14, 20) if futures else (7, 20)
        session = (end_hour - start_hour) * 3600
        slot = session // count
        out = []
        for i in range(count):
            opened = dt.datetime(day.year, day.month, day.day, start_hour, tzinfo=UTC)
            opened += dt.timedelta(seconds=i * slot + self.rng.randint(0, slot // 4))
            held = self.rng.randint(180, max(240, int(slot * 0.6)))
            out.append((opened, opened + dt.timedelta(seconds=held)))
        return out

    def _trade(self, ctx: PhaseContext, net_cents: int, opened, closed) -> dict:
        instruments = FUTURES_INSTRUMENTS if ctx.futures else CFD_INSTRUMENTS
        instrument = self.rng.choice(instruments)
        symbol = contract_symbol(instrument, opened.date()) if ctx.futures else instrument.symbol
        return build_trade(self.rng, instrument, net_cents, opened, closed, ctx.max_volume, symbol)

    def _day_trades(self, ctx: PhaseContext, day: dt.date, day_net: int, count: int) -> list[dict]:
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(count)]
        noise = [self.rng.gauss(0, ctx.b0 * 0.002) for _ in range(count)]
        mean_noise = sum(noise) / count
        parts = [
            int(day_net * w / sum(weights) + n - mean_noise)
            for w, n in zip(weights, noise, strict=True)
        ]
        times = self._times(day, count, ctx.futures)
        return [
            self._trade(ctx, part, opened, closed)
            for part, (opened, closed) in zip(parts, times, strict=True)
        ]

    def _days_trades(self, ctx: PhaseContext, days, nets, counts) -> list[dict]:
        return [
            trade
            for day, net, count in zip(days, nets, counts, strict=True)
            for trade in self._day_trades(ctx, day, net, count)
        ]

    def _safe_nets(self, ctx: PhaseContext, days: int, drift: float) -> list[int]:
        return [
            int(ctx.b0 * max(-0.011, min(0.014, self.rng.gauss(drift, 0.006)))) for _ in range(days)
        ]

    def _safe(self, ctx: PhaseContext, trades: list[dict], cap: int | None) -> bool:
        walk = walk_limits(trades, ctx.b0, ctx.loss_rules, ctx.zone, ctx.phase.reset_hour)
        margin = ctx.b0 // 200  # keep half a percent of room to every limit
        if any(room < margin for room in walk.rooms):
            return False
        return cap is None or not walk.balances or max(walk.balances) - ctx.b0 < cap

    def plan(
        self, ctx: PhaseContext, days: list[dt.date], outcome: str, min_profit: int | None = None
    ) -> Stage:
        """Trades on `days` ending in `outcome`; retried until the replay agrees (and an open
        or closed account ends at least `min_profit` cents up, when given)."""
        for _ in range(60):
            stage = self._try_stage(ctx, days, outcome, min_profit)
            if stage is not None:
                return stage
        raise DemoSeedError(f"could not plan a {outcome} stage in {ctx.phase}")

    def _try_stage(
        self, ctx: PhaseContext, days: list[dt.date], outcome: str, min_profit: int | None
    ) -> Stage | None:
        counts = [self.rng.randint(1, 2 if len(days) > 12 else 4) for _ in days]
        if outcome in ("active", "funded", "closed"):
            nets = self._safe_nets(ctx, len(days), 0.0012)
            trades = self._days_trades(ctx, days, nets, counts)
            cap = int(ctx.target * 0.7) if ctx.target else None
            if not self._safe(ctx, trades, cap):
                return None
            if min_profit is not None and sum(t["net_cents"] for t in trades) < min_profit:
                return None
            ended = None
            if outcome == "closed":
                ended = trades[-1]["close_time"] + dt.timedelta(hours=self.rng.randint(1, 20))
                ended = min(ended, self.now - dt.timedelta(minutes=5))
            return Stage(trades, ended, "Closed at the trader's request" if ended else "")
        if outcome == "passed":
            return self._passed_stage(ctx, days, counts)
        return self._failed_stage(ctx, days, counts)

    def _passed_stage(self, ctx: PhaseContext, days, counts) -> Stage | None:
        share = self.rng.uniform(0.72, 0.85)
        weights = [self.rng.uniform(0.6, 1.4) for _ in days]
        weights[-1] *= 0.4  # the last day finishes the job with its final trade
        nets = [int(ctx.target * share * w / sum(weights)) for w in weights]
        trades = self._days_trades(ctx, days, nets, counts)
        if not self._safe(ctx, trades, ctx.target - ctx.b0 // 500):
            return None
        so_far = sum(t["net_cents"] for t in trades)
        last_close = trades[-1]["close_time"]
        opened = last_close + dt.timedelta(minutes=self.rng.randint(5, 40))
        closed = opened + dt.timedelta(minutes=self.rng.randint(5, 90))
        final = ctx.target + self.rng.randint(5_000, 40_000) - so_far
        trades.append(self._trade(ctx, final, opened, closed))
        walk = walk_limits(trades, ctx.b0, ctx.loss_rules, ctx.zone, ctx.phase.reset_hour)
        total = walk.balances[-1] - ctx.b0
        best_day = max(walk.day_nets.values())
        if total < ctx.target or min(walk.rooms) < ctx.b0 // 200:
            return None
        if ctx.consistency is not None and best_day > ctx.consistency * total:
            return None
        reason = f"Profit target reached: +{Decimal(total) / 100:,.2f} in {len(days)} days"
        return Stage(trades, closed, reason)

    def _failed_stage(self, ctx: PhaseContext, days, counts) -> Stage | None:
        nets = self._safe_nets(ctx, len(days) - 1, 0.0005)
        trades = self._days_trades(ctx, days[:-1], nets, counts[:-1])
        times = self._times(days[-1], self.rng.randint(1, 3), ctx.futures)
        for opened, closed in times[:-1]:
            small_loss = -self.rng.randint(ctx.b0 // 500, ctx.b0 // 170)
            trades.append(self._trade(ctx, small_loss, opened, closed))
        cap = int(ctx.target * 0.7) if ctx.target else None
        if not self._safe(ctx, trades, cap):
            return None
        opened, closed = times[-1]
        room = room_before_next(
            trades, ctx.b0, ctx.loss_rules, ctx.zone, ctx.phase.reset_hour, closed
        )
        trades.append(self._trade(ctx, -(room + self.rng.randint(5_000, 60_000)), opened, closed))
        walk = walk_limits(trades, ctx.b0, ctx.loss_rules, ctx.zone, ctx.phase.reset_hour)
        if walk.rooms[-1] >= 0:
            return None
        rule = walk.tightest[-1]
        reason = (
            f"{rule.label} breached: balance {Decimal(walk.balances[-1]) / 100:,.2f} "
            f"below the limit {Decimal(walk.limits[-1]) / 100:,.2f}"
        )
        return Stage(trades, closed, reason)
