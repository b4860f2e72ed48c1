"""Security finding 6: two imports of one account at once keep the later one's data and say so.

Each import runs in its own thread with its own database connection (Django connections are
per thread), on PostgreSQL, committing for real. The first two tests force the interleaving
the review found: the first import has merged its rows and holds its transaction open until
the second import is waiting on it, then commits. Before the fix the second import's INSERT
waited on the first's uncommitted keys, failed, and its `ON CONFLICT DO NOTHING` retry kept
the first import's values while reporting "No changes: all … already imported". The last
test lets two imports race freely.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient

from evaluations.models import ImportBatch, Trade
from imports import service
from imports.copy_path import CopyWriter
from imports.locks import MAX_ACCOUNT_LOCKS
from tests.factories import TradeFactory, TradingAccountFactory

from .test_bridge_api import _trade

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
ROW = "8100001,T-{n},EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,{profit}\n"
TICKETS = 2000
API_TICKETS = 500


def _tickets_file(tmp_path, name: str, profit: str, count: int = TICKETS):
    path = tmp_path / name
    path.write_text(HEADER + "".join(ROW.format(n=n, profit=profit) for n in range(count)))
    return path


def _api_body(profit: str) -> dict:
    return {"trades": [_trade(ticket=f"T-{n}", profit=profit) for n in range(API_TICKETS)]}


def _wait_until_another_connection_waits_for_this_one(timeout: float = 20.0) -> None:
    """Poll until some backend is blocked by this connection's transaction (or time out)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # see other backends afresh
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)


def _in_threads(first, second, *, overlap: bool, monkeypatch) -> tuple:
    """Run `first()` and `second()` in two threads; return their results.

    overlap=True: `second` starts once `first` has merged its rows, and `first` commits only
    when `second` waits on it (or after 20 s: a design that serializes earlier never waits
    there). overlap=False: both start together and race.
    """
    merged = threading.Event()
    start = threading.Barrier(2)
    results: dict[str, object] = {}
    if overlap:
        original_upsert = CopyWriter.upsert

        def upsert_then_hold(self, batch_id):
            result = original_upsert(self, batch_id)
            if threading.current_thread().name == "first":
                merged.set()
                _wait_until_another_connection_waits_for_this_one()
            return result

        monkeypatch.setattr(CopyWriter, "upsert", upsert_then_hold)

    def run(name: str, action) -> None:
        try:
            start.wait(timeout=30)
            if overlap and name == "second":
                assert merged.wait(timeout=30), "the first import never reached its merge"
            results[name] = action()
        except Exception as exc:  # noqa: BLE001 - reported through the result
            results[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, action), name=name)
        for name, action in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results["first"], results["second"]


def _stored_profits() -> set:
    return {str(profit) for profit in Trade.objects.values_list("profit", flat=True)}


def test_finding_6_a_concurrent_import_of_the_same_tickets_reports_them_updated(
    two_accounts, tmp_path, recompute, monkeypatch
):
    one = _tickets_file(tmp_path, "one.csv", "1.00")
    two = _tickets_file(tmp_path, "two.csv", "2.00")

    first, second = _in_threads(
        lambda: service.import_file(one),
        lambda: service.import_file(two),
        overlap=True,
        monkeypatch=monkeypatch,
    )

    assert (first.status, first.rows_new, first.rows_updated) == ("committed", TICKETS, 0)
    assert (second.status, second.rows_new, second.rows_updated, second.rows_unchanged) == (
        "committed",
        0,
        TICKETS,
        0,
    )
    assert service.report_text(second).startswith(
        f"Imported {TICKETS} row(s): 0 new, {TICKETS} updated, 0 unchanged, 0 rejected."
    )
    assert Trade.objects.count() == TICKETS
    assert _stored_profits() == {"2.00"}  # the later import's values, as its report says
    assert sorted(map(sorted, recompute.calls)) == [[two_accounts[0].pk]] * 2


def test_finding_6_concurrent_bridge_pushes_of_the_same_tickets_report_them_updated(
    two_accounts, recompute, monkeypatch
):
    out = StringIO()
    call_command("create_bridge", "mt5-live", stdout=out)
    token = out.getvalue().strip()

    def push(profit: str):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post("/api/bridge/trades/", _api_body(profit), format="json")

    first, second = _in_threads(
        lambda: push("1.00"), lambda: push("2.00"), overlap=True, monkeypatch=monkeypatch
    )

    assert first.status_code == second.status_code == 201
    assert (first.json()["new"], first.json()["updated"]) == (API_TICKETS, 0)
    assert (second.json()["new"], second.json()["updated"]) == (0, API_TICKETS)
    assert second.json()["message"] == (
        f"Imported {API_TICKETS} row(s): 0 new, {API_TICKETS} updated, 0 unchanged, 0 rejected."
    )
    assert Trade.objects.count() == API_TICKETS
    assert _stored_profits() == {"2.00"}


def test_finding_6_two_imports_racing_store_the_values_of_the_one_that_reports_updated(
    two_accounts, tmp_path, recompute, monkeypatch
):
    paths = {
        "1.00": _tickets_file(tmp_path, "one.csv", "1.00"),
        "2.00": _tickets_file(tmp_path, "two.csv", "2.00"),
    }

    batches = _in_threads(
        lambda: service.import_file(paths["1.00"]),
        lambda: service.import_file(paths["2.00"]),
        overlap=False,
        monkeypatch=monkeypatch,
    )

    assert all(isinstance(batch, ImportBatch) for batch in batches), batches
    counts = sorted((batch.rows_new, batch.rows_updated, batch.rows_unchanged) for batch in batches)
    assert counts == [(0, TICKETS, 0), (TICKETS, 0, 0)]
    later = next(batch for batch in batches if batch.rows_updated)
    assert _stored_profits() == {"2.00" if later.filename.endswith("two.csv") else "1.00"}
    assert Trade.objects.count() == TICKETS


def test_finding_6_a_ticket_written_outside_the_import_meanwhile_is_updated_and_reported(
    two_accounts, tmp_path, recompute, monkeypatch
):
    """A writer that takes no import lock inserts one of the import's tickets meanwhile."""
    path = _tickets_file(tmp_path, "two.csv", "2.00")
    inserted = threading.Event()

    def outside_writer():
        with transaction.atomic():
            TradeFactory(account=two_accounts[0], ticket="T-0", profit=Decimal("5.00"))
            inserted.set()
            _wait_until_another_connection_waits_for_this_one()

    def importer():
        assert inserted.wait(timeout=30)
        return service.import_file(path)

    _, batch = _in_threads(outside_writer, importer, overlap=False, monkeypatch=monkeypatch)

    assert (batch.status, batch.rows_new, batch.rows_updated, batch.rows_unchanged) == (
        "committed",
        TICKETS - 1,
        1,
        0,
    )
    assert _stored_profits() == {"2.00"}


def test_finding_6_an_import_of_many_accounts_waits_for_a_single_account_import(
    db, tmp_path, recompute, monkeypatch
):
    """More accounts than MAX_ACCOUNT_LOCKS: one lock for all imports instead of one each."""
    logins = [str(9_100_000 + n) for n in range(MAX_ACCOUNT_LOCKS + 1)]
    for login in logins:
        TradingAccountFactory(login=login)
    one = tmp_path / "one.csv"
    one.write_text(HEADER + ROW.replace("8100001", logins[0]).format(n=0, profit="1.00"))
    many = tmp_path / "many.csv"
    many.write_text(
        HEADER
        + "".join(ROW.replace("8100001", login).format(n=0, profit="2.00") for login in logins)
    )

    first, second = _in_threads(
        lambda: service.import_file(one),
        lambda: service.import_file(many),
        overlap=True,
        monkeypatch=monkeypatch,
    )

    assert (first.rows_new, first.rows_updated) == (1, 0)
    assert (second.rows_new, second.rows_updated, second.rows_unchanged) == (len(logins) - 1, 1, 0)
    assert _stored_profits() == {"2.00"}
