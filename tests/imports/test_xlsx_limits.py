"""XLSX workbooks that claim more than they hold: streamed, bounded, refused with the limit named.

Security review finding 4: an 87 KB workbook (one 1,023-character shared string over 64
columns x 20,000 rows) grew a web worker to 1.42 GB.
"""

from __future__ import annotations

import io

import pytest

from bench.xlsx_memory import LIMIT_KIB, hostile_workbook, mt5_report, peak_of_import
from evaluations.models import Trade
from imports import mt5
from imports.service import import_file
from tests.conftest import database_url_for_worker
from tests.imports.fuzz_parsers import minimal_xlsx


@pytest.mark.django_db(transaction=True)
def test_finding_4_hostile_workbook_imports_in_bounded_memory(tmp_path):
    from tests.factories import TradingAccountFactory

    TradingAccountFactory(login="52603751")
    baseline = peak_of_import(mt5_report(tmp_path / "tiny.xlsx", 1), database_url_for_worker())
    path = hostile_workbook(tmp_path / "hostile.xlsx")

    result = peak_of_import(path, database_url_for_worker())

    assert baseline["status"] == "committed"
    assert result["status"] == "rejected"
    # the import's own peak, above what the fresh process held before it (Django and the apps:
    # ~120 MiB in a shell, more under pytest's settings)
    assert result["import_kib"] < LIMIT_KIB, (result, baseline)


def _import(tmp_path, data: bytes, account):
    path = tmp_path / "report.xlsx"
    path.write_bytes(data)
    batch = import_file(path, account=account)
    assert (batch.status, batch.rows_total) == ("rejected", 0)
    assert not Trade.objects.exists()
    [error] = batch.errors
    return error["reason"]


def _sheet(rows: str) -> bytes:
    return minimal_xlsx(f"<sheetData>{rows}</sheetData>")


def test_a_cell_over_the_text_limit_is_refused_before_it_is_read(account, tmp_path):
    long_cell = '<row r="1"><c t="inlineStr"><is><t>' + "x" * 70_000 + "</t></is></c></row>"

    reason = _import(tmp_path, _sheet(long_cell), account)

    assert (
        reason == "not an MT5 report: a cell of the workbook holds more than 65,536 bytes of text"
    )


def test_a_row_of_too_many_cells_is_refused(account, tmp_path):
    wide = '<row r="1">' + "<c><v>1</v></c>" * 20_000 + "</row>"

    reason = _import(tmp_path, _sheet(wide), account)

    assert reason == "not an MT5 report: a row of the workbook holds more than 50,000 tags"


def test_a_cdata_section_is_refused(account, tmp_path):
    data = _sheet('<row r="1"><c t="inlineStr"><is><t><![CDATA[<x>]]></t></is></c></row>')

    reason = _import(tmp_path, data, account)

    assert reason.endswith("holds a DTD or CDATA section (Excel writes none)")


def test_too_many_cells_is_a_file_error_naming_the_limit(account, tmp_path, monkeypatch):
    monkeypatch.setattr(mt5, "MAX_CELLS", 100)

    reason = _import(tmp_path, mt5_report(tmp_path / "big.xlsx", 20).read_bytes(), account)

    assert reason == "not an MT5 report: the workbook has more than 100 cells"


def test_shared_strings_over_their_limit_are_refused(account, tmp_path, monkeypatch):
    monkeypatch.setattr(mt5, "MAX_SHARED_STRINGS_BYTES", 1000)

    reason = _import(tmp_path, mt5_report(tmp_path / "big.xlsx", 20).read_bytes(), account)

    assert reason.startswith("not an MT5 report: the workbook's shared strings unzip to ")
    assert reason.endswith(" bytes (at most 1,000)")


def test_a_report_within_the_limits_imports_every_position(account, tmp_path):
    batch = import_file(mt5_report(tmp_path / "report.xlsx", 300), account=account)

    assert (batch.status, batch.rows_new) == ("committed", 300)


def test_rows_are_read_one_at_a_time_and_repeated_strings_not_copied(tmp_path):
    path = hostile_workbook(tmp_path / "hostile.xlsx", rows=3, columns=4)

    rows = mt5.xlsx_rows(io.BytesIO(path.read_bytes()))
    first = next(rows)

    assert first[0] == 1
    assert all(cell is first[1][0] for cell in first[1])  # one shared object, no copies
    assert len(list(rows)) == 2
