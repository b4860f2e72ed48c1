"""How the engine words numbers in messages: money, percents, volumes and instants.

Only used when a breach or an objective is worded, never on the per-trade path.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .types import VOLUME_SCALE

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def format_money(cents: int, currency: str = "USD") -> str:
    """`-19100000` → "−$191,000.00"; unknown currencies get their code as a suffix."""
    sign = "−" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    number = f"{whole:,}.{frac:02d}"
    symbol = CURRENCY_SIGNS.get(currency)
    if symbol is None:
        return f"{sign}{number} {currency}"
    return f"{sign}{symbol}{number}"


def format_volume(units: int) -> str:
    """Engine volume units (1/10,000 lot) as lots: 75000 → "7.5"."""
    whole, frac = divmod(abs(units), VOLUME_SCALE)
    text = str(whole) if not frac else f"{whole}.{frac:04d}".rstrip("0")
    return f"-{text}" if units < 0 else text


def format_percent(text: str) -> str:
    """A normalised percent string as shown to people: "5.00" → "5%", "4.50" → "4.5%"."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def format_bp(bp: int) -> str:
    """Basis points as a percent with up to two decimals: 4839 → "48.39%"."""
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}".rstrip("0") + "%"


def format_utc(ts: int) -> str:
    """Epoch seconds as "2026-03-03 14:05 UTC" (seconds shown only when not zero)."""
    moment = datetime.fromtimestamp(ts, UTC)
    pattern = "%Y-%m-%d %H:%M UTC" if moment.second == 0 else "%Y-%m-%d %H:%M:%S UTC"
    return moment.strftime(pattern)


def format_local(ts: int, tz: str) -> str:
    """Epoch seconds as a local time in `tz`: "2026-03-03 17:00 America/Chicago"."""
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime(f"%Y-%m-%d %H:%M {tz}")
