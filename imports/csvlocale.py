"""A platform CSV's locale, read from the whole file: separator, decimal mark and date order.

A NinjaTrader (or any Windows) export follows the machine's regional settings. A European
Windows writes `;` between fields, a decimal comma (`25394,00`), money as `-1,00 $` and
day-first dates (`10/02/2026 15:19:20` is 10 February); an American one writes `,`,
`25394.00`, `-$1.00` and `2/10/2026 3:19:20 PM`. Nothing in the file says which, so:

- the separator is the one of `,`, `;` and tab that splits the header into the most cells;
- the decimal mark is the separator before the last digits of a number when it cannot be a
  thousands separator (both marks in one number, the mark twice, or not followed by exactly
  three digits); numbers that never tell (`1,126`) follow the field separator (`;` → comma);
- the date order comes from a date whose day is above 12 (`13/02/2026` is day-first,
  `2/13/2026` month-first). Dates written with dots (`10.02.2026`) are day-first in every
  locale. With only days up to 12, the trades decide when they can: if under exactly one
  order every trade exits after it enters and the trades enter in the file's order (the
  grid's trade-number order), that is the order (`chronological_order`). Otherwise the file
  is ambiguous and refused unless the date order is given; a file with both orders is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .rows import FieldError, ImportFileError
from .values import MONEY, loose_number

DATE_ORDERS = ("auto", "dmy", "mdy")
DELIMITERS = (",", ";", "\t")
_DATE = re.compile(r"\s*(\d{1,4})([./-])(\d{1,2})[./-](\d{1,4})")
_LAST_MARK = re.compile(r"[.,](\d+)\D*$")
_CURRENCY = re.compile(r"[$€£¥]|\b(?:USD|EUR|GBP|CHF)\b")
_GROUPING = str.maketrans("", "", ". \u00a0\u202f'")


def header_delimiter(line: str) -> str:
    """The separator of `,`, `;` and tab that splits this header line into the most cells."""
    return max(DELIMITERS, key=lambda d: len(next(csv.reader([line], delimiter=d), [])))


def header_cells(line: str) -> list[str]:
    """The header line's cells, split by its own separator."""
    return next(csv.reader([line], delimiter=header_delimiter(line)), [])


def decimal_mark(numbers: Iterable[str], delimiter: str) -> str:
    """`.` or `,`: what the numbers' decimal mark is (see module doc); raises ImportFileError
    when some numbers say comma and others point."""
    seen: dict[str, str] = {}
    for text in numbers:
        mark = _mark_of(text.strip())
        if mark:
            seen.setdefault(mark, text)
    if len(seen) > 1:
        raise ImportFileError(
            f"numbers mix a decimal point ({seen['.']!r}) and a decimal comma "
            f"({seen[',']!r}); export the file again with one regional setting"
        )
    if seen:
        return next(iter(seen))
    return "," if delimiter == ";" else "."


def _mark_of(text: str) -> str | None:
    match = _LAST_MARK.search(text)
    if not match:
        return None
    mark = text[match.start()]
    other = "," if mark == "." else "."
    if other in text[: match.start()]:
        return mark  # `1.234,56` or `1,234.56`: the last mark is the decimal one
    if text.count(mark) > 1:
        return other  # `1,234,567`: the repeated mark groups thousands
    if len(match[1]) != 3:
        return mark  # `25394,00`, `1.5`: a thousands group always has three digits
    return None  # `1,126` may be either


def date_order(
    times: Iterable[tuple[int, str]],
    given: str = "auto",
    tiebreak: Callable[[], str | None] | None = None,
) -> str:
    """ "dmy" or "mdy" for the file's `(line, time text)` values (see module doc).

    `given` ("dmy"/"mdy") is used as is; "auto" reads the file and, when no day is above 12,
    asks `tiebreak` (e.g. `chronological_order`); it raises ImportFileError when the file stays
    ambiguous or is mixed, naming the lines that decide."""
    if given in ("dmy", "mdy"):
        return given
    evidence: dict[str, tuple[int, str]] = {}
    ambiguous: tuple[int, str] | None = None
    for line, text in times:
        match = _DATE.match(text)
        if not match or len(match[1]) == 4:
            continue  # ISO `2026-02-10` or not a date at all (the row reports it)
        first, second = int(match[1]), int(match[3])
        if match[2] == "." or first > 12:
            evidence.setdefault("dmy", (line, text))
        elif second > 12:
            evidence.setdefault("mdy", (line, text))
        elif first != second and ambiguous is None:
            ambiguous = (line, text)
    if len(evidence) > 1:
        (dmy_line, dmy), (mdy_line, mdy) = evidence["dmy"], evidence["mdy"]
        raise ImportFileError(
            f"dates mix day-first ({dmy!r}, line {dmy_line}) and month-first ({mdy!r}, line "
            f"{mdy_line}); export the file again with one regional setting"
        )
    if evidence:
        return next(iter(evidence))
    if ambiguous is not None:
        decided = tiebreak() if tiebreak is not None else None
        if decided is not None:
            return decided
        line, text = ambiguous
        raise ImportFileError(
            f"ambiguous dates: no day in the file is above 12, so {text.strip()!r} (line "
            f"{line}) may be day-first or month-first, and the trades are in time order either "
            "way; import again with --date-order dmy (day first, e.g. European Windows) or "
            "--date-order mdy (month first, US)"
        )
    return "mdy"  # no date where the order matters (every day equals its month, or ISO)


def chronological_order(
    trades: list[tuple[str, str]], formats: dict[str, tuple[str, ...]]
) -> str | None:
    """The one date order (a key of `formats`) under which every `(entry, exit)` time pair
    reads as a trade that exits after it enters, entering no earlier than the trade before it;
    None when both orders or neither do."""
    fitting = [order for order, patterns in formats.items() if _in_time_order(trades, patterns)]
    return fitting[0] if len(fitting) == 1 else None


def _in_time_order(trades: list[tuple[str, str]], patterns: tuple[str, ...]) -> bool:
    previous = dt.datetime.min
    for entry_text, exit_text in trades:
        entry, exit_ = _naive(entry_text, patterns), _naive(exit_text, patterns)
        if entry is None or exit_ is None or exit_ < entry or entry < previous:
            return False
        previous = entry
    return True


def _naive(text: str, patterns: tuple[str, ...]) -> dt.datetime | None:
    for pattern in patterns:
        try:
            return dt.datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class NumberStyle:
    """Reads the file's numbers with its decimal mark into Decimal (through `loose_number`)."""

    decimal: str = "."

    def number(self, text: str, column: str, limits: tuple[int, int] = MONEY):
        if self.decimal == ".":
            return loose_number(_CURRENCY.sub("", text).strip(), column, limits)
        dotted = _CURRENCY.sub("", text).translate(_GROUPING).replace(",", ".")
        try:
            return loose_number(dotted, column, limits)
        except FieldError as exc:
            raise FieldError(column, exc.reason.replace(repr(dotted), repr(text))) from None
