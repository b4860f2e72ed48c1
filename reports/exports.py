"""CSV exports of the staff tables, streamed row by row (no table is held in memory whole)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from config.csv_export import csv_lines

from .selectors import ReportFilter
from .tables import Table


def _rows(rows: Iterable[dict]) -> Iterator[dict]:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=2000)
    return iter(rows)


def table_csv_lines(table: Table, rows: Iterable[dict]) -> Iterator[str]:
    keys = [column.key for column in table.columns]
    return csv_lines(
        [column.label for column in table.columns],
        ([row.get(key) for key in keys] for row in _rows(rows)),
    )


def csv_response(
    table: Table, flt: ReportFilter, *, trader_id: int | None = None
) -> StreamingHttpResponse:
    """The whole table (no page limit) for the filter, as `<slug>-<start>-<end>.csv`."""
    rows = table.rows(flt, limit=None, trader_id=trader_id)
    response = StreamingHttpResponse(table_csv_lines(table, rows), content_type="text/csv")
    suffix = f"-{trader_id}" if trader_id else ""
    name = f"{table.slug}{suffix}-{flt.start:%Y%m%d}-{flt.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
