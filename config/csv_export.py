"""The one CSV writer of every export (payment run, staff tables, journal, daily report).

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (`=HYPERLINK(…)`, `=cmd|'/C calc'!A0`), and much of what we export was typed by
traders (names, emails, payout details) or came from platform files (symbols, tickets). Every
text cell that starts so is written with a leading `'`, which spreadsheets show as text; a
number (an amount like `-12.50` as Decimal, int or the same plain number as text) is written
as it is, so amounts stay numbers.

Values: None → empty; aware datetimes → ISO 8601 in UTC; dates → ISO; Decimal → str (exact).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def cell(value) -> str:
    """One value as safe CSV cell text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    """A write-only file: csv.writer hands each line straight back (for streaming)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header, then each row, as CSV lines with every cell made safe; lazy (streams)."""
    writer = csv.writer(_Echo())
    yield writer.writerow([cell(name) for name in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_text(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    """The whole CSV as one string (small exports and email attachments)."""
    out = io.StringIO()
    out.writelines(csv_lines(header, rows))
    return out.getvalue()
