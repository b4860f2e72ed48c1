"""Value parsers shared by every format: numbers (Decimal from text only) and broker times.

Numbers: `plain_number` accepts what we write ourselves (`-1234.56`); `loose_number` also
accepts the platforms' spellings: `$(41.00)` and `(41.00)` (negative), `-$18.98`,
`$1,126.02`, `4 182.78` (space, no-break space or comma thousands separators), `- 0.08`,
`+5`. Each kind has the database's limits (money 16+2 digits, price 12+8, volume 10+4); a
value with more decimal places than stored is refused rather than silently rounded.

Times: a naive broker time is read in the import's zone with `fold=0`: an ambiguous wall
time (the repeated hour when clocks go back) is the first occurrence (summer time), and a
non-existent one (the skipped hour when clocks go forward) is read with the offset in force
before the change. Stored times are UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .rows import FieldError, ImportFileError

UTC = dt.UTC

# kind -> (integer digits, decimal places)
# A trade's or snapshot's amount is below 1,000,000,000 (9 digits), far above any prop account's
# trade, so an account's sums (balance, profit, fees over up to ten million trades) always fit
# the 16 whole digits of the money columns: one absurd trade cannot overflow the stored metrics
# and stop the risk engine (security finding 3).
MONEY = (9, 2)
PRICE = (12, 8)
VOLUME = (10, 4)

_FAST = {
    kind: re.compile(rf"-?\d{{1,{whole}}}(?:\.\d{{1,{places}}})?")
    for kind, (whole, places) in {"m": MONEY, "p": PRICE, "v": VOLUME}.items()
}
_FAST_BY_LIMITS = {MONEY: _FAST["m"], PRICE: _FAST["p"], VOLUME: _FAST["v"]}
_PLAIN = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_LOOSE = re.compile(
    r"(?P<sign>[-+])?\s*\$?\s*(?P<open>\()?\s*\$?\s*"
    r"(?P<int>\d{1,3}(?:[ ,\u00a0\u202f]\d{3})+|\d*)(?P<frac>\.\d*)?"
    r"\s*(?P<close>\))?"
)
_SEPARATORS = str.maketrans("", "", " ,\u00a0\u202f")


def plain_number(text: str, column: str, limits: tuple[int, int] = MONEY) -> Decimal:
    """Parse `-1234.56`-style text within the column's digit limits; raise `FieldError`."""
    if _FAST_BY_LIMITS[limits].fullmatch(text):
        return Decimal(text)
    return _checked(text.strip(), text, column, limits)


def loose_number(text: str, column: str, limits: tuple[int, int] = MONEY) -> Decimal:
    """Parse a platform's money/number spelling (see module doc); raise `FieldError`."""
    if _FAST_BY_LIMITS[limits].fullmatch(text):
        return Decimal(text)
    cleaned = text.strip()
    match = _LOOSE.fullmatch(cleaned)
    if not match or not (match["int"] or (match["frac"] and len(match["frac"]) > 1)):
        raise FieldError(column, f"not a number: {text!r}")
    if bool(match["open"]) != bool(match["close"]):
        raise FieldError(column, f"unbalanced parentheses: {text!r}")
    digits = (match["int"] or "0").translate(_SEPARATORS) + (match["frac"] or "")
    negative = (match["sign"] == "-") != bool(match["open"])
    return _checked(("-" if negative else "") + digits.rstrip("."), text, column, limits)


def _checked(candidate: str, original: str, column: str, limits: tuple[int, int]) -> Decimal:
    if not _PLAIN.fullmatch(candidate):
        raise FieldError(column, f"not a number: {original!r}")
    try:
        value = Decimal(candidate)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid text
        raise FieldError(column, f"not a number: {original!r}") from exc
    whole, places = limits
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise FieldError(column, f"more than {places} decimal places: {original!r}")
    if abs(value) >= Decimal(10) ** whole:
        raise FieldError(
            column, f"too large: {original!r} (at most {whole} digits before the point)"
        )
    raw_exponent = value.as_tuple().exponent
    if isinstance(raw_exponent, int) and raw_exponent < -places:
        return value.quantize(Decimal(1).scaleb(-places))  # only trailing zeros are dropped
    return value


def zone(name: str) -> dt.tzinfo:
    """The broker's zone by IANA name; an unknown name is a file-level error."""
    if name in ("UTC", "utc", "Z", ""):
        return UTC
    try:
        return ZoneInfo(name)
    # OSError: a directory of the zone database ("Europe") or a name too long for a file
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ImportFileError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Prague)"
        ) from exc


def to_utc(naive: dt.datetime, tz: dt.tzinfo, column: str) -> dt.datetime:
    """Aware UTC from a broker wall time (fold=0, see module doc); aware input is converted."""
    try:
        if naive.tzinfo is None:
            if tz is UTC:
                return naive.replace(tzinfo=UTC)
            naive = naive.replace(tzinfo=tz, fold=0)
        return naive.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise FieldError(column, f"time out of range: {naive:%Y-%m-%d %H:%M:%S}") from exc


def iso_time(text: str, tz: dt.tzinfo, column: str) -> dt.datetime:
    """ISO 8601 (`2026-03-02T08:00:00Z`, `…+01:00`, or naive = broker zone) to aware UTC."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None:
        try:
            value = dt.datetime.fromisoformat(text.strip()) if text.strip() != text else None
        except ValueError:
            value = None
    if value is None:
        raise FieldError(
            column, f"not a date/time: {text!r} (expected ISO 8601 like 2026-03-02T08:00:00Z)"
        ) from None
    if value.tzinfo is UTC or value.tzinfo == UTC:
        return value
    return to_utc(value, tz, column)


def parse_time(text: str, formats: tuple[str, ...], tz: dt.tzinfo, column: str) -> dt.datetime:
    """A platform time in one of `formats` (strptime), read in the broker zone."""
    cleaned = " ".join(text.split())
    for fmt in formats:
        try:
            value = dt.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return to_utc(value, tz, column)
    raise FieldError(column, f"not a date/time: {text!r}")


def required(text: str | None, column: str) -> str:
    value = (text or "").strip()
    if not value:
        raise FieldError(column, "missing value")
    return value
