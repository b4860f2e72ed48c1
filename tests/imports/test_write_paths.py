"""The PostgreSQL COPY path and the portable ORM path give the same results."""

import pytest
from django.conf import settings

from evaluations.imports import service
from evaluations.imports.orm_path import OrmWriter
from evaluations.models import EquitySnapshot, Trade

HEADER = "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
ROW = "8100001,{t},EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,{p}\n"


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
PATHS = ["copy", "orm"] if ON_POSTGRESQL else ["orm"]


@pytest.fixture(params=PATHS)
def write_path(request, monkeypatch):
    """The COPY path where the database is PostgreSQL; the ORM path called on any database."""
    if request.param == "orm":
        monkeypatch.setattr(service, "CopyWriter", OrmWriter)
    return request.param


def _write(tmp_path, *rows, **kwargs):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "".join(rows))
    return service.import_file(path, **kwargs)


def test_new_updated_unchanged_are_counted_the_same_on_both_paths(
    write_path, two_accounts, tmp_path
):
    _write(tmp_path, ROW.format(t="A", p="1.00"), ROW.format(t="B", p="2.00"))

    batch = _write(
        tmp_path,
        ROW.format(t="A", p="1"),
        ROW.format(t="B", p="2.50"),
        ROW.format(t="C", p="3"),
    )

    assert (batch.rows_new, batch.rows_updated, batch.rows_unchanged) == (1, 1, 1)
    assert sorted(Trade.objects.values_list("ticket", "profit")) == [
        ("A", 1),
        ("B", 2.5),
        ("C", 3),
    ]


def test_duplicates_inside_a_file_are_handled_the_same_on_both_paths(
    write_path, two_accounts, tmp_path
):
    batch = _write(
        tmp_path,
        ROW.format(t="A", p="1"),
        ROW.format(t="A", p="1.00"),
        ROW.format(t="B", p="1"),
        ROW.format(t="B", p="9"),
        partial=True,
    )

    assert (batch.rows_new, batch.rows_unchanged, batch.rows_rejected) == (1, 1, 2)
    assert [e["line"] for e in batch.errors] == [4, 5]


def test_snapshots_upsert_on_both_paths(write_path, two_accounts, fixture_path):
    service.import_file(fixture_path("canonical_snapshots.csv"))

    again = service.import_file(fixture_path("canonical_snapshots.csv"))

    assert (again.rows_new, again.rows_unchanged) == (0, 3)
    assert EquitySnapshot.objects.count() == 3
