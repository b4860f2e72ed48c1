"""How a demo trader trades one day on one account: from their aim and what the engine last said.

A demo trader has an aim per account (pass the phase, trade steadily, trade big, or blow the
account up, or trade a little and close it) but knows none of the rules' arithmetic: they read
the risk engine's own judgement of the account as stored after the last evaluation
(`AccountMetrics`: balance, profit, objectives, room left to the nearest loss limit), as a
trader reads the portal. Whether the day's trades pass or fail the account is decided by the
engine once they are imported; a careful trader can still breach, a reckless one can survive.

Pure (no ORM): plain numbers in, trades (dicts of Trade fields plus `net_cents`) out.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from demo.market import CFD_INSTRUMENTS, FUTURES_INSTRUMENTS, build_trade, contract_symbol

UTC = dt.UTC


class DemoSeedError(Exception):
    """The demo data could not be (re)created."""


class Aim(StrEnum):
    PASS = "pass"  # make the profit target at a steady pace
    STEADY = "steady"  # small positive drift, well inside the limits, never near the target
    STAR = "star"  # a strong trader: a payout large enough for two approvers
    BLOW_UP = "blow_up"  # trades normally, then one day loses more than the room left
    CLOSE = "close"  # trades a few days, then asks for the account to be closed


@dataclass(frozen=True)
class Standing:
    """What the engine last stored about an account, in cents (None: not known yet)."""

    initial: int
    balance: int
    target_left: int | None  # profit still needed for the profit target; None: no target
    target: int | None
    min_days: int
    room: int | None  # to the nearest loss limit

    @classmethod
    def of(cls, initial_balance: Decimal, metrics) -> Standing:
        """From an `AccountMetrics` row (or None before the first evaluation)."""
        initial = _cents(initial_balance)
        if metrics is None:
            return cls(initial, initial, None, None, 1, None)
        objectives = {o["code"]: o for o in metrics.objectives or []}
        target = objectives.get("profit_target")
        rooms = [_cents(r) for r in (metrics.room_daily, metrics.room_total) if r is not None]
        return cls(
            initial=initial,
            balance=_cents(metrics.balance),
            target=_cents(Decimal(target["target"])) if target else None,
            target_left=(
                _cents(Decimal(target["target"]) - Decimal(target["current"])) if target else None
            ),
            min_days=int(objectives.get("min_trading_days", {}).get("target", 1)),
            room=min(rooms) if rooms else None,
        )


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


@dataclass
class Temperament:
    """One trader on one account: the aim and the days it plans with."""

    aim: Aim
    pace: int  # PASS: trading days planned to make the target
    blow_up_day: int  # BLOW_UP: on which trading day of the account it goes wrong
    close_after: int  # CLOSE: trading days before asking to close
    futures: bool
    max_volume: Decimal
    days_traded: int = 0

    @property
    def wants_to_close(self) -> bool:
        return self.aim == Aim.CLOSE and self.days_traded >= self.close_after

    @classmethod
    def draw(cls, rng: random.Random, aim: Aim, *, futures: bool, max_volume: Decimal):
        return cls(
            aim=aim,
            pace=rng.randint(3, 5),
            blow_up_day=rng.randint(1, 5),
            close_after=rng.randint(2, 5),
            futures=futures,
            max_volume=max_volume,
        )


class DayTrader:
    """Plans one day of one account's trades."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def day_nets(self, who: Temperament, standing: Standing) -> list[int]:
        """The net P&L (cents) of each trade the trader closes today, in order."""
        b0, rng = standing.initial, self.rng
        room = standing.room if standing.room is not None else b0 // 20
        careful = -int(max(room, 0) * 0.35)  # the most a careful trader loses in a day
        count = rng.randint(1, 3)
        if who.aim == Aim.BLOW_UP and who.days_traded >= who.blow_up_day:
            # A bad day: a few small losses, then the one that goes far past the room left.
            small = [-rng.randint(b0 // 1000, b0 // 400) for _ in range(count - 1)]
            return [*small, -(max(room, 0) + rng.randint(b0 // 200, b0 // 50))]
        if who.aim == Aim.PASS and standing.target_left is not None:
            left = standing.target_left
            if left <= 0:  # the target is made; the other objectives want more days
                day = rng.randint(b0 // 1000, b0 // 300)
            else:
                days_left = max(1, max(who.pace, standing.min_days) - who.days_traded)
                if days_left == 1:
                    day = left + rng.randint(b0 // 2000, b0 // 250)
                else:
                    day = int(left / days_left * rng.uniform(0.75, 1.3))
        elif who.aim == Aim.STAR:
            day = int(b0 * rng.gauss(0.0065, 0.002))
        else:
            day = int(b0 * max(-0.009, min(0.012, rng.gauss(0.0012, 0.005))))
            if standing.target is not None and standing.target_left is not None:
                made = standing.target - standing.target_left
                if made > standing.target * 0.55:  # nowhere near passing by accident
                    day = -abs(day) // 2
        return self._split(max(day, careful), count, b0)

    def _split(self, day: int, count: int, b0: int) -> list[int]:
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(count)]
        noise = [self.rng.gauss(0, b0 * 0.0015) for _ in range(count)]
        mean_noise = sum(noise) / count
        return [
            int(day * w / sum(weights) + n - mean_noise)
            for w, n in zip(weights, noise, strict=True)
        ]

    def trades(self, who: Temperament, day: dt.date, nets: list[int]) -> list[dict]:
        """Trades closing one after the other in the day's session (UTC), with these nets."""
        start_hour, end_hour = (14, 20) if who.futures else (7, 20)
        slot = (end_hour - start_hour) * 3600 // len(nets)
        out = []
        for i, net in enumerate(nets):
            opened = dt.datetime(day.year, day.month, day.day, start_hour, tzinfo=UTC)
            opened += dt.timedelta(seconds=i * slot + self.rng.randint(0, slot // 4))
            closed = opened + dt.timedelta(seconds=self.rng.randint(180, max(240, int(slot * 0.6))))
            instrument = self.rng.choice(FUTURES_INSTRUMENTS if who.futures else CFD_INSTRUMENTS)
            symbol = contract_symbol(instrument, day) if who.futures else instrument.symbol
            out.append(
                build_trade(self.rng, instrument, net, opened, closed, who.max_volume, symbol)
            )
        return out
