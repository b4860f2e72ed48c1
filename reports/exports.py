"""CSV exports of the staff tables, streamed row by row (no table is held in memory whole)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from .selectors import ReportFilter
from .tables import Table


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | Decimal):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return str(value)


def _rows(rows: Iterable[dict]) -> Iterator[dict]:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=2000)
    return iter(rows)


def csv_lines(table: Table, rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([column.label for column in table.columns])
    keys = [column.key for column in table.columns]
    for row in _rows(rows):
        yield writer.writerow([csv_value(row.get(key)) for key in keys])


def csv_response(
    table: Table, flt: ReportFilter, *, trader_id: int | None = None
) -> StreamingHttpResponse:
    """The whole table (no page limit) for the filter, as `<slug>-<start>-<end>.csv`."""
    rows = table.rows(flt, limit=None, trader_id=trader_id)
    response = StreamingHttpResponse(csv_lines(table, rows), content_type="text/csv")
    suffix = f"-{trader_id}" if trader_id else ""
    name = f"{table.slug}{suffix}-{flt.start:%Y%m%d}-{flt.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
