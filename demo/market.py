"""Plausible demo trades: instruments, prices and the closed-balance walk that checks a plan.

Pure (no ORM). A trade is built from the net P&L it should have: the price move follows from
net − commission = move × volume × value per point, rounded to the instrument's tick, so
prices, volume and profit agree. `walk_limits` replays closed trades against the account's
loss rules (daily loss, static / trailing total loss) the way PRODUCT.md §2 defines them with
closed trades only, so the seeder can keep safe accounts safe and fail failed ones exactly at
their last trade.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
FUTURES_MONTHS = "FGHJKMNQUVXZ"


@dataclass(frozen=True)
class Instrument:
    symbol: str
    price: Decimal  # a typical recent price
    tick: Decimal
    value_per_point: Decimal  # account currency per 1.0 of price, per lot or contract
    volumes: tuple[Decimal, ...]  # typical sizes
    volume_step: Decimal
    commission: Decimal  # round trip per lot/contract (negative)
    quarterly: bool = False  # futures: H M U Z contract months


CFD_INSTRUMENTS = (
    Instrument(
        "EURUSD", Decimal("1.16500"), Decimal("0.00001"), Decimal("100000"),
        (Decimal("0.5"), Decimal("1"), Decimal("2"), Decimal("3")), Decimal("0.01"), Decimal("-6"),
    ),
    Instrument(
        "XAUUSD", Decimal("3985.00"), Decimal("0.01"), Decimal("100"),
        (Decimal("0.2"), Decimal("0.5"), Decimal("1")), Decimal("0.01"), Decimal("-6"),
    ),
    Instrument(
        "NAS100", Decimal("24800.0"), Decimal("0.1"), Decimal("1"),
        (Decimal("2"), Decimal("5"), Decimal("10")), Decimal("0.1"), Decimal("0"),
    ),
    Instrument(
        "US30", Decimal("46500.0"), Decimal("1.0"), Decimal("1"),
        (Decimal("2"), Decimal("5"), Decimal("10")), Decimal("0.1"), Decimal("0"),
    ),
)  # fmt: skip
FUTURES_INSTRUMENTS = (
    Instrument(
        "ES", Decimal("6700.00"), Decimal("0.25"), Decimal("50"),
        (Decimal("1"), Decimal("2")), Decimal("1"), Decimal("-4.20"), quarterly=True,
    ),
    Instrument(
        "NQ", Decimal("24800.00"), Decimal("0.25"), Decimal("20"),
        (Decimal("1"), Decimal("2")), Decimal("1"), Decimal("-4.20"), quarterly=True,
    ),
    Instrument(
        "MES", Decimal("6700.00"), Decimal("0.25"), Decimal("5"),
        (Decimal("2"), Decimal("3"), Decimal("5")), Decimal("1"), Decimal("-1.34"), quarterly=True,
    ),
    Instrument(
        "MNQ", Decimal("24800.00"), Decimal("0.25"), Decimal("2"),
        (Decimal("2"), Decimal("3"), Decimal("5")), Decimal("1"), Decimal("-1.34"), quarterly=True,
    ),
    Instrument(
        "CL", Decimal("62.50"), Decimal("0.01"), Decimal("1000"),
        (Decimal("1"), Decimal("2")), Decimal("1"), Decimal("-4.50"),
    ),
    Instrument(
        "GC", Decimal("3990.0"), Decimal("0.1"), Decimal("100"),
        (Decimal("1"),), Decimal("1"), Decimal("-4.50"),
    ),
)  # fmt: skip


def contract_symbol(instrument: Instrument, on: dt.date) -> str:
    """Front-month futures code, e.g. ESZ5: next quarterly (or monthly) month after `on`."""
    month, year = on.month + 1, on.year
    if instrument.quarterly:
        while month % 3:
            month += 1
    if month > 12:
        month, year = month - 12, year + 1
    return f"{instrument.symbol}{FUTURES_MONTHS[month - 1]}{year % 10}"


def build_trade(
    rng: random.Random,
    instrument: Instrument,
    net_cents: int,
    open_time: dt.datetime,
    close_time: dt.datetime,
    max_volume: Decimal,
    symbol: str,
) -> dict:
    """Trade fields whose prices, volume, commission and profit give about `net_cents`.

    Volume is raised until the price move is under ~0.8% of the price (a plausible intraday
    move), capped at `max_volume`. Net differs from the wish by at most half a tick's value.
    """
    net = Decimal(net_cents) / 100
    price = instrument.price
    needed = abs(net) / (price * Decimal("0.008") * instrument.value_per_point)
    needed = (needed / instrument.volume_step).to_integral_value(ROUND_CEILING)
    volume = max(rng.choice(instrument.volumes), needed * instrument.volume_step)
    volume = min(volume, max_volume)
    commission = (instrument.commission * volume).quantize(CENT)
    move = (net - commission) / (volume * instrument.value_per_point)
    move = (move / instrument.tick).to_integral_value(ROUND_HALF_EVEN) * instrument.tick
    drift = Decimal(rng.randint(-150, 150)) / 10_000
    open_price = (price * (1 + drift) / instrument.tick).to_integral_value() * instrument.tick
    side = rng.choice(("buy", "sell"))
    close_price = open_price + move if side == "buy" else open_price - move
    profit = (move * volume * instrument.value_per_point).quantize(CENT)
    return {
        "symbol": symbol,
        "side": side,
        "volume": volume,
        "open_time": open_time,
        "open_price": open_price,
        "close_time": close_time,
        "close_price": close_price,
        "commission": commission,
        "swap": Decimal("0.00"),
        "fees": Decimal("0.00"),
        "profit": profit,
        "net_cents": int((profit + commission) * 100),
    }


def trading_day(at: dt.datetime, zone: ZoneInfo, reset_hour: int) -> dt.date:
    """The phase's day containing `at`: local date after shifting by the reset hour."""
    return (at.astimezone(zone) - dt.timedelta(hours=reset_hour)).date()


@dataclass(frozen=True)
class LossRule:
    """A hard loss rule in cents terms, from the normalised params of a Rule."""

    code: str  # "max_daily_loss" | "max_total_loss"
    params: dict

    def limit(self, b0: int, day_start: int, max_eod: int, max_closed: int) -> int:
        percent = Decimal(self.params["percent"]) / 100
        if self.code == "max_daily_loss":
            base = b0 if self.params.get("amount_base", "initial") == "initial" else day_start
            return day_start - int(percent * base)
        mode = self.params.get("mode", "static")
        if mode == "static":
            return b0 - int(percent * b0)
        hwm = max_eod if mode == "trailing_eod" else max_closed
        floor = hwm - int(percent * b0)
        lock = self.params.get("lock_at")
        if lock is not None:
            lock_cents = b0 if lock == "initial" else int(Decimal(lock) * 100)
            floor = min(floor, lock_cents)
        return floor

    @property
    def label(self) -> str:
        return "Max daily loss" if self.code == "max_daily_loss" else "Max total loss"


@dataclass
class Walk:
    rooms: list[int]  # after each trade: balance − the tightest limit (cents)
    tightest: list[LossRule | None]
    limits: list[int]
    balances: list[int]
    day_nets: dict[dt.date, int]


def walk_limits(
    trades: list[dict], b0: int, rules: list[LossRule], zone: ZoneInfo, reset_hour: int
) -> Walk:
    """Replay closed trades (sorted by close time) and measure the room left to every limit.

    Equity = balance here (closed trades only), so the reference of every day is the
    balance at its start; the EOD high-water mark moves at day changes only.
    """
    walk = Walk([], [], [], [], {})
    balance = day_start = max_eod = max_closed = b0
    current_day = None
    for trade in trades:
        day = trading_day(trade["close_time"], zone, reset_hour)
        if day != current_day:
            if current_day is not None:
                max_eod = max(max_eod, balance)
            day_start, current_day = balance, day
        balance += trade["net_cents"]
        max_closed = max(max_closed, balance)
        walk.day_nets[day] = walk.day_nets.get(day, 0) + trade["net_cents"]
        best_room, best_rule, best_limit = None, None, 0
        for rule in rules:
            limit = rule.limit(b0, day_start, max_eod, max_closed)
            if best_room is None or balance - limit < best_room:
                best_room, best_rule, best_limit = balance - limit, rule, limit
        walk.rooms.append(best_room if best_room is not None else 10**12)
        walk.tightest.append(best_rule)
        walk.limits.append(best_limit)
        walk.balances.append(balance)
    return walk


def room_before_next(
    trades: list[dict],
    b0: int,
    rules: list[LossRule],
    zone: ZoneInfo,
    reset_hour: int,
    next_close: dt.datetime,
) -> int:
    """Room to the tightest limit for a trade that would close at `next_close`."""
    probe = {"close_time": next_close, "net_cents": 0}
    return walk_limits([*trades, probe], b0, rules, zone, reset_hour).rooms[-1]
