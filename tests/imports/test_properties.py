"""Properties: importing twice equals importing once; parsers never raise on junk input."""

import contextlib
import datetime as dt
import io
import string
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluations.models import Trade
from imports import canonical, ctrader, mt4, mt5, ninjatrader, tradovate
from imports.detect import sniff
from imports.rows import ImportFileError, ParseContext, RowError, TradeRow
from imports.service import import_file

HEADER = (
    "account,ticket,symbol,side,volume,open_time,open_price,close_time,close_price,"
    "commission,swap,fees,profit\n"
)
T0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
money = st.decimals(min_value=-99999, max_value=99999, places=2, allow_nan=False)

trade = st.fixed_dictionaries(
    {
        "ticket": st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=12),
        "symbol": st.sampled_from(["EURUSD", "XAUUSD", "MNQZ5", "US30"]),
        "side": st.sampled_from(["buy", "sell"]),
        "volume": st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4),
        "open": st.integers(0, 10**7),
        "hold": st.integers(0, 10**6),
        "open_price": st.decimals(min_value=0, max_value=99999, places=5),
        "close_price": st.decimals(min_value=0, max_value=99999, places=5),
        "commission": money,
        "swap": money,
        "profit": money,
    }
)


def _csv(trades: list[dict]) -> bytes:
    lines = [HEADER]
    for t in trades:
        opened = T0 + dt.timedelta(seconds=t["open"])
        closed = opened + dt.timedelta(seconds=t["hold"])
        lines.append(
            f"8100001,{t['ticket']},{t['symbol']},{t['side']},{t['volume']},"
            f"{opened.isoformat()},{t['open_price']},{closed.isoformat()},{t['close_price']},"
            f"{t['commission']},{t['swap']},0,{t['profit']}\n"
        )
    return "".join(lines).encode()


def _state():
    return sorted(
        Trade.objects.values_list("ticket", "side", "volume", "open_time", "profit", "net")
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(trades=st.lists(trade, min_size=1, max_size=15, unique_by=lambda t: t["ticket"]))
def test_importing_twice_is_importing_once(two_accounts, trades):
    Trade.objects.all().delete()
    data = _csv(trades)

    first = import_file(io.BytesIO(data))
    once = _state()
    second = import_file(io.BytesIO(data))

    assert first.rows_new == len(trades)
    assert (second.rows_new, second.rows_updated, second.rows_unchanged) == (0, 0, len(trades))
    assert _state() == once


BYTE_PARSERS = [mt5.parse, mt4.parse]
TEXT_PARSERS = [
    canonical.parse_trades,
    canonical.parse_snapshots,
    tradovate.parse,
    ctrader.parse,
    ninjatrader.parse,
]


def _drain(parse, data: bytes, text: bool) -> None:
    ctx = ParseContext(dt.UTC, "1", "utf-8-sig")
    source = io.StringIO(data.decode("utf-8", "replace"), newline="") if text else io.BytesIO(data)
    try:
        for item in parse(source, ctx):
            assert isinstance(item, RowError | TradeRow) or hasattr(item, "equity")
    except ImportFileError:
        pass


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_raise_anything_but_a_clear_file_error(data):
    with contextlib.suppress(ImportFileError):
        sniff(io.BytesIO(data))
    for parse in BYTE_PARSERS:
        _drain(parse, data, text=False)
    for parse in TEXT_PARSERS:
        _drain(parse, data, text=True)


HEADERS = {
    canonical.parse_trades: HEADER.strip(),
    tradovate.parse: "symbol,_priceFormat,_priceFormatType,_tickSize,buyFillId,sellFillId,qty,"
    "buyPrice,sellPrice,pnl,boughtTimestamp,soldTimestamp,duration",
    ctrader.parse: "ID,Symbol,Opening Direction,Opening Time (UTC+2),Closing Time (UTC+2),"
    "Entry Price,Closing Price,Closing Quantity,Commission,Swap,Gross USD,Net USD,Balance USD",
    ninjatrader.parse: "Trade number,Instrument,Account,Strategy,Market pos.,Qty,Entry price,"
    "Exit price,Entry time,Exit time,Entry name,Exit name,Profit,Cum. net profit,Commission",
}
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["$(41.00)", "-$18.98", "4 182.78", "- 0.08", "1e5", "NaN", "12/31/2025"]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.datetimes().map(lambda d: d.strftime("%m/%d/%Y %H:%M:%S")),
)


@settings(max_examples=100, deadline=None)
@given(
    parser=st.sampled_from(list(HEADERS)),
    rows=st.lists(st.lists(cell, min_size=0, max_size=16), max_size=6),
)
def test_random_rows_under_a_real_header_give_rows_or_row_errors(parser, rows):
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    data = (HEADERS[parser] + "\n" + out.getvalue()).encode()

    _drain(parser, data, text=True)


money_amounts = st.decimals(
    min_value=Decimal("-999999999.99"), max_value=Decimal("999999999.99"), places=2
)


@settings(max_examples=200, deadline=None)
@given(amount=money_amounts, suffix=st.sampled_from(["", " $", " €", "\u00a0$"]))
def test_european_money_reads_as_the_same_decimal(amount, suffix):
    from imports.csvlocale import NumberStyle, decimal_mark

    grouped = f"{abs(amount):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    text = ("-" if amount < 0 else "") + grouped + suffix

    assert decimal_mark([text], ";") == ","
    assert NumberStyle(",").number(text, "Profit") == amount


@settings(max_examples=200, deadline=None)
@given(moment=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 1, 1)))
def test_a_day_above_12_decides_the_date_order(moment):
    from imports.csvlocale import date_order

    day_first = moment.strftime("%d/%m/%Y %H:%M:%S")
    month_first = moment.strftime("%m/%d/%Y %I:%M:%S %p")
    if moment.day > 12:
        assert date_order([(2, day_first)]) == "dmy"
        assert date_order([(2, month_first)]) == "mdy"
    elif moment.day != moment.month:
        with pytest.raises(ImportFileError, match="ambiguous dates"):
            date_order([(2, day_first)])
