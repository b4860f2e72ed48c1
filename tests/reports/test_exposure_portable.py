"""The embedded demo (SQLite) shows the same open exposure as PostgreSQL's LATERAL query."""

import datetime as dt

from django.db import connection

from reports import selectors
from reports.selectors import ReportFilter

MARCH = ReportFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_portable_exposure_query_gives_the_same_rows_as_the_postgresql_one(firm):
    assert connection.vendor == "postgresql"
    fast = selectors.open_exposure_by_symbol(MARCH)

    portable = selectors._open_exposure_portably(MARCH)

    assert portable == fast
    assert [r["symbol"] for r in portable] == ["EURUSD", "XAUUSD"]


def test_portable_exposure_query_follows_the_program_filter(firm):
    one_step = ReportFilter(MARCH.start, MARCH.end, firm.one_step.pk)

    assert selectors._open_exposure_portably(one_step) == selectors.open_exposure_by_symbol(
        one_step
    )
