"""The one place where database values become engine values and back.

Database: Decimal money (2 places), Decimal volume (4 places), aware UTC datetimes.
Engine: int cents, int volume units (lots × 10,000), int epoch seconds.

The SQL helpers do the same conversion inside PostgreSQL for the bulk read paths, where turning
a million Decimals and datetimes into Python objects would cost more than the computation.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from risk.engine.types import PRICE_SCALE, VOLUME_SCALE

CENT = Decimal("0.01")
VOLUME_QUANTUM = Decimal(1) / VOLUME_SCALE
UTC = dt.UTC

# engine unit -> (risk.models.Unit value, how to turn an engine int into a Decimal)
ENGINE_UNITS = {
    "cents": "money",
    "volume": "lots",
    "days": "days",
    "seconds": "seconds",
    "minutes": "minutes",
    "percent_bp": "percent",
    "trades": "trades",
}


def to_cents(amount: Decimal | int | str) -> int:
    """Decimal money -> int cents, rounding half away from zero to the cent."""
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int | None) -> Decimal | None:
    """int cents -> Decimal money with 2 places (None stays None)."""
    if cents is None:
        return None
    return (Decimal(cents) / 100).quantize(CENT)


def to_volume(lots: Decimal | int | str) -> int:
    """Decimal lots/contracts -> int engine volume units."""
    return int((Decimal(lots) * VOLUME_SCALE).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_volume(units: int) -> Decimal:
    """int engine volume units -> Decimal lots with 4 places."""
    return (Decimal(units) / VOLUME_SCALE).quantize(VOLUME_QUANTUM)


def to_ts(moment: dt.datetime) -> int:
    """Aware datetime -> int epoch seconds (sub-second parts are dropped)."""
    return int(moment.timestamp() // 1)


def from_ts(ts: int | None) -> dt.datetime | None:
    """int epoch seconds -> aware UTC datetime."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, tz=UTC)


def to_unit(value: int, engine_unit: str) -> Decimal:
    """An engine number in `engine_unit` -> the Decimal stored beside `ENGINE_UNITS[unit]`."""
    if engine_unit == "cents":
        return from_cents(value)
    if engine_unit == "volume":
        return from_volume(value)
    if engine_unit == "percent_bp":
        return (Decimal(value) / 100).quantize(CENT)
    return Decimal(value)


def unit_name(engine_unit: str) -> str:
    """The stored unit name of an engine unit ("cents" -> "money")."""
    return ENGINE_UNITS.get(engine_unit, engine_unit)


def format_measure(value: Decimal, unit: str, currency: str = "") -> str:
    """A stored number with its unit, for messages: "95000.00 USD", "2.5000 lots", "3 days"."""
    if unit == "money":
        return f"{value.quantize(CENT)} {currency}".strip()
    if unit == "lots":
        return f"{value.normalize():f} lots"
    if unit == "percent":
        return f"{value.quantize(CENT)}%"
    return f"{value.normalize():f} {unit}"


# --- SQL side (PostgreSQL), for the bulk read paths -----------------------------------------


def sql_cents(column: str) -> str:
    """SQL for a numeric money column as bigint cents (round half away from zero)."""
    return f"round({column} * 100)::bigint"


def sql_volume(column: str) -> str:
    """SQL for a numeric volume column as bigint engine volume units."""
    return f"round({column} * {VOLUME_SCALE})::bigint"


def sql_price(column: str) -> str:
    """SQL for a numeric price column as bigint engine price units (NULL stays NULL)."""
    return f"round({column} * {PRICE_SCALE})::bigint"


def sql_ts(column: str) -> str:
    """SQL for a timestamptz column as bigint epoch seconds (floored)."""
    return f"floor(extract(epoch from {column}))::bigint"
