"""The import upsert: new, updated and unchanged rows are counted and stored as the file says."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from evaluations.models import EquitySnapshot, Trade
from imports import service

HEADER = "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
ROW = "8100001,{t},EURUSD,buy,1,2026-03-02T08:00:00Z,1.08,2026-03-02T09:00:00Z,1.09,{p}\n"


def _write(tmp_path, *rows, **kwargs):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "".join(rows))
    return service.import_file(path, **kwargs)


def test_new_updated_and_unchanged_rows_are_counted(two_accounts, tmp_path):
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


def test_a_repeated_row_counts_once_and_a_conflicting_repeat_is_rejected(two_accounts, tmp_path):
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


def test_importing_the_same_snapshots_again_changes_nothing(two_accounts, fixture_path):
    service.import_file(fixture_path("canonical_snapshots.csv"))

    again = service.import_file(fixture_path("canonical_snapshots.csv"))

    assert (again.rows_new, again.rows_unchanged) == (0, 3)
    assert EquitySnapshot.objects.count() == 3


def _utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


_NUMBER = st.decimals(min_value="-99999", max_value="99999", places=2).map(str)
_PADDED = st.tuples(st.sampled_from(["", " "]), _NUMBER, st.sampled_from(["", " "])).map("".join)
# The clock during the import: the import window is [2000-01-01, NOW + 5 min].
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
# (open_time, close_time, the UTC instants stored, or None when outside the import window);
# naive times are Prague broker time.
_TIME = st.sampled_from(
    [
        (
            "2026-03-02T08:00:00Z",
            "2026-03-02T09:00:00Z",
            (_utc(2026, 3, 2, 8), _utc(2026, 3, 2, 9)),
        ),
        (
            "2026-03-02T10:00:00+01:00",
            "2026-03-02T12:00:00+01:00",
            (_utc(2026, 3, 2, 9), _utc(2026, 3, 2, 11)),
        ),
        (  # across a DST change
            "2026-03-29T01:30:00+01:00",
            "2026-03-29T03:30:00+02:00",
            (_utc(2026, 3, 29, 0, 30), _utc(2026, 3, 29, 1, 30)),
        ),
        (  # naive: broker tz (Prague winter, +1); zero duration
            "2026-03-02 08:00:00",
            "2026-03-02 08:00:00",
            (_utc(2026, 3, 2, 7), _utc(2026, 3, 2, 7)),
        ),
        (  # closes at the latest instant
            "2026-06-01T11:00:00Z",
            "2026-06-01T12:05:00Z",
            (_utc(2026, 6, 1, 11), _utc(2026, 6, 1, 12, 5)),
        ),
        ("2026-06-01T11:00:00Z", "2026-06-01T12:05:01Z", None),  # one second after it
        (  # Prague summer time (+2): 12:05 UTC
            "2026-06-01 13:00:00",
            "2026-06-01 14:05:00",
            (_utc(2026, 6, 1, 11), _utc(2026, 6, 1, 12, 5)),
        ),
        ("2026-06-01 13:00:00", "2026-06-01 15:30:00", None),  # broker time 1.5 h ahead
        ("2026-06-01T11:00:00Z", "9999-12-31T23:59:59Z", None),
        ("2026-06-01T11:00:00Z", "9999-12-31T23:59:59-01:00", None),  # past datetime.max
        ("0001-01-01T00:00:00Z", "2026-03-02T09:00:00Z", None),
        (  # the earliest instant
            "2000-01-01T00:00:00Z",
            "2000-01-01T00:00:00Z",
            (_utc(2000, 1, 1), _utc(2000, 1, 1)),
        ),
        ("2000-01-01T00:59:59+01:00", "2000-01-01T02:00:00+01:00", None),  # 1 s before it
        ("2000-01-01 00:30:00", "2000-01-01 01:30:00", None),  # Prague winter: 1999-12-31 23:30
        ("9999-12-31T00:00:00Z", "2026-03-02T09:00:00Z", None),  # and closes before it opens
    ]
)
_ROW = st.tuples(
    st.text("ABCXYZ-09", min_size=1, max_size=8),
    st.sampled_from(["buy", "sell", "BUY", " sell "]),
    st.decimals(min_value="0.01", max_value="500", places=2).map(str),
    _TIME,
    _PADDED,
    _PADDED,
)


def _stored() -> list[tuple]:
    return sorted(
        Trade.objects.values_list(
            "account__login",
            "ticket",
            "side",
            "volume",
            "open_time",
            "close_time",
            "commission",
            "profit",
            "net",
        )  # fmt: skip
    )


def _expected(ticket, side, volume, instants, commission, profit) -> tuple:
    commission, profit = Decimal(commission.strip()), Decimal(profit.strip())
    opened, closed = instants
    return (
        "8100001",
        ticket,
        side.strip().lower(),
        Decimal(volume),
        opened,
        closed,
        commission,
        profit,
        commission + profit,
    )


@examples(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_ROW, min_size=1, max_size=6, unique_by=lambda r: r[0]), partial=st.booleans())
def test_a_canonical_file_stores_each_trade_as_written_and_rejects_rows_outside_the_window(
    rows, partial, two_accounts, tmp_path
):
    header = "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,"
    text = (
        header
        + "commission,profit\n"
        + "".join(
            f"8100001,{ticket},EURUSD,{side},{volume},{opened},1.08,{closed},1.09,{commission},"
            f"{profit}\n"
            for ticket, side, volume, (opened, closed, _), commission, profit in rows
        )
    )
    path = tmp_path / "t.csv"
    path.write_text(text)
    # A savepoint rolled back after reading: each example starts from an empty table, and
    # PostgreSQL releases the locks of the dropped staging table (hundreds of examples in one
    # test transaction would exhaust its lock table).
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        batch = service.import_file(path, broker_tz="Europe/Prague", partial=partial)
        stored = _stored()
        transaction.set_rollback(True)

    outside = [line for line, row in enumerate(rows, start=2) if row[3][2] is None]
    inside = [
        _expected(ticket, side, volume, instants, commission, profit)
        for ticket, side, volume, (_, _, instants), commission, profit in rows
        if instants is not None
    ]
    assert [error["line"] for error in batch.errors] == outside
    written = inside if partial or not outside else []
    assert (batch.rows_new, batch.rows_rejected) == (len(written), len(outside))
    assert stored == sorted(written)
