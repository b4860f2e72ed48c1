"""Reading the live feed's items: equity ticks and open-position sets, one by one, with a reason
for every item refused (by its index), never an exception for the whole request.

Pure: the API (`live.api`) checks the accounts (known, run by this bridge, started) afterwards.
Money is read from JSON strings or numbers as Decimal (the parser never makes floats) and kept as
int cents; volume as int 1/10,000 lot (risk.engine.types.VOLUME_SCALE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from risk.engine.types import VOLUME_SCALE

MAX_LOGIN = 64
MAX_MONEY = Decimal("1e15")
SIDES = frozenset({"buy", "sell"})


class Refused(ValueError):
    """One item's reason for refusal, in words a bridge developer can act on."""


@dataclass(frozen=True, slots=True)
class Tick:
    index: int
    login: str
    ts: int
    balance: int  # cents
    equity: int  # cents


@dataclass(frozen=True, slots=True)
class Position:
    id: str
    symbol: str
    side: str
    volume: int  # 1/10,000 lot
    open_ts: int
    open_price: str  # decimal text, as sent
    profit: int  # floating P&L, cents


@dataclass(frozen=True, slots=True)
class PositionSet:
    index: int
    login: str
    ts: int
    positions: tuple[Position, ...]


@dataclass(frozen=True, slots=True)
class Window:
    """The times a live item may carry: not in the future, not too old."""

    earliest: int
    latest: int


def _field(item: dict, name: str):
    if name not in item or item[name] is None:
        raise Refused(f"{name} is required")
    return item[name]


def _decimal(item: dict, name: str) -> Decimal:
    value = _field(item, name)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise Refused(f'{name} must be a decimal number as a string, e.g. "100000.00"')
    try:
        number = Decimal(value) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise Refused(f"{name} is not a number: {str(value)[:40]!r}") from None
    if not number.is_finite():
        raise Refused(f"{name} must be a finite number, not {value}")
    if abs(number) >= MAX_MONEY:
        raise Refused(f"{name} is out of range: {value}")
    return number


def money_cents(item: dict, name: str) -> int:
    number = _decimal(item, name)
    if number.as_tuple().exponent < -2 and number != number.quantize(Decimal("0.01")):
        raise Refused(f"{name} has more than 2 decimal places: {number}")
    return int(number * 100)


def volume_units(item: dict, name: str) -> int:
    number = _decimal(item, name)
    if number <= 0:
        raise Refused(f"{name} must be positive, not {number}")
    units = number * VOLUME_SCALE
    if units != units.to_integral_value():
        raise Refused(f"{name} has more than 4 decimal places: {number}")
    return int(units)


def epoch(item: dict, name: str) -> int:
    value = _field(item, name)
    if not isinstance(value, str):
        raise Refused(f"{name} must be an ISO 8601 time with its offset, e.g. 2026-12-07T14:03:12Z")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Refused(f"{name} is not an ISO 8601 time: {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise Refused(f"{name} needs its UTC offset (…Z or …+00:00): {value[:40]!r}")
    return int(moment.timestamp())


def login_of(item: dict) -> str:
    login = _field(item, "account")
    if not isinstance(login, str) or not login.strip() or len(login) > MAX_LOGIN:
        raise Refused(f"account must be the platform login (1 to {MAX_LOGIN} characters)")
    return login.strip()


def _in_window(ts: int, window: Window) -> int:
    if ts > window.latest:
        raise Refused("time is in the future (check the bridge's clock)")
    if ts < window.earliest:
        raise Refused("time is too old for the live feed; send history to /api/bridge/snapshots/")
    return ts


def read_tick(index: int, item, window: Window) -> Tick:
    if not isinstance(item, dict):
        raise Refused("each tick is an object {account, time, balance, equity}")
    return Tick(
        index=index,
        login=login_of(item),
        ts=_in_window(epoch(item, "time"), window),
        balance=money_cents(item, "balance"),
        equity=money_cents(item, "equity"),
    )


def _position(n: int, item) -> Position:
    if not isinstance(item, dict):
        raise Refused(f"positions[{n}] must be an object")
    try:
        position_id = _field(item, "id")
        if not isinstance(position_id, str | int) or isinstance(position_id, bool):
            raise Refused("id must be the platform's position id (a string)")
        position_id = str(position_id).strip()
        if not position_id or len(position_id) > MAX_LOGIN:
            raise Refused(f"id must be 1 to {MAX_LOGIN} characters")
        symbol = _field(item, "symbol")
        if not isinstance(symbol, str) or not symbol.strip() or len(symbol) > 32:
            raise Refused("symbol must be 1 to 32 characters")
        side = _field(item, "side")
        if side not in SIDES:
            raise Refused(f"side must be buy or sell, not {str(side)[:10]!r}")
        return Position(
            id=position_id,
            symbol=symbol.strip(),
            side=side,
            volume=volume_units(item, "volume"),
            open_ts=epoch(item, "open_time"),
            open_price=str(_decimal(item, "open_price")),
            profit=money_cents(item, "profit"),
        )
    except Refused as error:
        raise Refused(f"positions[{n}]: {error}") from None


def read_position_set(index: int, item, window: Window) -> PositionSet:
    if not isinstance(item, dict):
        raise Refused("each item is an object {account, time, positions: [...]}")
    login = login_of(item)
    ts = _in_window(epoch(item, "time"), window)
    positions = _field(item, "positions")
    if not isinstance(positions, list):
        raise Refused("positions must be a list (empty when none are open)")
    read = tuple(_position(n, p) for n, p in enumerate(positions))
    ids = [p.id for p in read]
    if len(set(ids)) != len(ids):
        raise Refused("positions lists a position id twice")
    return PositionSet(index=index, login=login, ts=ts, positions=read)


def tick_row(account_id: int, tick: Tick, received_ms: int) -> list:
    """A tick as its shard stream carries it (live.publish)."""
    return [account_id, tick.ts, tick.balance, tick.equity, received_ms]


def position_set_row(account_id: int, position_set: PositionSet, received_ms: int) -> list:
    """A position set as its shard stream carries it (live.publish)."""
    positions = [
        [p.id, p.symbol, p.side, p.volume, p.open_ts, p.open_price, p.profit]
        for p in position_set.positions
    ]
    return [account_id, position_set.ts, positions, received_ms]
