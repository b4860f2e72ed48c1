"""Plausible demo trades: instruments and prices.

Pure (no ORM). A trade is built from the net P&L it should have: the price move follows from
net − commission = move × volume × value per point, rounded to the instrument's tick, so
prices, volume and profit agree. What the trades do to an account (a breach, a pass) is for the
risk engine to say once they are imported; nothing here knows the rules.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

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
