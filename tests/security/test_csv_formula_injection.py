"""Finding 8 of the security review: CSV formula injection.

A trader-typed email or name, or a symbol from a platform file, that starts like a formula
(`=`, `+`, `-`, `@`, tab, CR) must reach every CSV export as text (a leading `'`), while amounts
stay numbers. Every export goes through config.csv_export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import FINANCE, RISK
from config.csv_export import cell, csv_text
from payouts import services
from tests.builders import funded_account
from tests.conftest import client_with_second_factor
from tests.factories import EquitySnapshotFactory, TradeFactory, staff_user
from tests.payouts.conftest import (  # noqa: F401 (fixtures)
    PROFIT_2500,
    after_cycle,
    recompute_calls,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(db):
    return staff_user(FINANCE)


EVIL_EMAIL = "=cmd|'/Ccalc'!A0@evil.example"
EVIL_SYMBOL = '=HYPERLINK("//e.x","x")'  # fits the 32-char symbol


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def _no_cell_runs(rows: list[list[str]]) -> None:
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            if value.startswith("-"):
                Decimal(value)  # only a number may start with a minus


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1+1", "'+1+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.50", "-12.50"),
        (Decimal("-12.50"), "-12.50"),
        (-3, "-3"),
        ("EURUSD", "EURUSD"),
        (None, ""),
        (
            dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2026-03-02T07:00:00+00:00",
        ),
    ],
)
def test_finding_8_a_cell_that_starts_like_a_formula_is_written_as_text(value, written):
    assert cell(value) == written


@pytest.mark.usefixtures("after_cycle", "recompute_calls")
def test_finding_8_payment_run_export_neutralises_a_formula_email(finance):
    account = funded_account(daily_profits=PROFIT_2500, trader__email=EVIL_EMAIL)
    payout = services.request_payout(account, by=account.trader)
    services.approve_payout(payout, by=finance)
    payer = staff_user(FINANCE, "payer@firm.example")  # not the approver (PAYOUT_APPROVER_MAY_PAY)
    services.mark_payout_paid(payout, by=payer, reference="+WIRE-1")
    client = client_with_second_factor()
    client.force_login(finance)

    rows = _rows(client.get("/payouts/export.csv"))

    assert rows[1][2] == "'" + EVIL_EMAIL
    assert rows[1][-1] == "'+WIRE-1"
    _no_cell_runs(rows)


@pytest.mark.usefixtures("after_cycle", "recompute_calls")
def test_finding_8_liability_export_neutralises_a_formula_email(finance):
    funded_account(daily_profits=PROFIT_2500, trader__email=EVIL_EMAIL)
    client = client_with_second_factor()
    client.force_login(finance)

    rows = _rows(client.get("/staff/export/liability.csv"))

    assert any("'" + EVIL_EMAIL in row for row in rows), rows
    _no_cell_runs(rows)


def test_finding_8_open_exposure_export_neutralises_a_formula_symbol():
    account = funded_account(daily_profits=PROFIT_2500)
    now = timezone.now()
    TradeFactory(
        account=account,
        symbol=EVIL_SYMBOL,
        open_time=now - dt.timedelta(hours=2),
        close_time=now + dt.timedelta(minutes=1),
    )
    EquitySnapshotFactory(account=account, time=now - dt.timedelta(hours=1))
    client = client_with_second_factor()
    client.force_login(staff_user(RISK))

    rows = _rows(client.get("/staff/export/open-exposure.csv"))

    assert rows[1][0] == "'" + EVIL_SYMBOL
    _no_cell_runs(rows)


def test_finding_8_journal_export_neutralises_a_formula_ticket_and_symbol():
    account = funded_account(daily_profits=PROFIT_2500)
    TradeFactory(account=account, ticket="@1", symbol=EVIL_SYMBOL)
    client = client_with_second_factor()
    client.force_login(account.trader)

    rows = _rows(client.get(f"/trading/{account.login}/journal.csv"))

    assert ["'@1", "'" + EVIL_SYMBOL] in [row[:2] for row in rows]
    _no_cell_runs(rows)


def test_finding_8_daily_report_attachment_is_written_by_the_safe_writer():
    text = csv_text(("kind", "trader", "amount"), [("breach", EVIL_EMAIL, Decimal("-5.00"))])

    assert list(csv.reader(io.StringIO(text)))[1] == ["breach", "'" + EVIL_EMAIL, "-5.00"]
