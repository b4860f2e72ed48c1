"""Coverage-guided fuzzing (atheris, libFuzzer) of every trade-import parser.

Not a pytest module (tests/imports/test_fuzz_atheris.py runs it, bounded, in CI). By hand:

    python tests/imports/fuzz_parsers.py --list
    python tests/imports/fuzz_parsers.py --target mt5_html -atheris_runs=200000 corpus_dir
    python tests/imports/fuzz_parsers.py --target mt5_html crash-0123abcd   # replay one input

Other arguments are libFuzzer's (`-max_total_time=300`, `-jobs=2`, `-seed=1`,
`-artifact_prefix=dir/`, ...). The target's seeds (tests/imports/fixtures, /work/shared/samples,
an XLSX built from the MT5 CSV report) and a token dictionary are written at start to
`--workdir` (default: $TMPDIR/propdesk-fuzz-<target>-<pid>, removed by a later run) and read
after `corpus_dir`; new inputs go to `corpus_dir` (or to the seed directory when none is
given). Nothing generated is kept in the repository.

The contract, for any bytes: the import's parser (through `detect.sniff` and
`parsers.parsed_rows`, as `service.import_file` calls them) yields `TradeRow` / `SnapshotRow`
/ `RowError` items or raises `ImportFileError`. Anything else escaping is a crash, and so is a
row the database cannot store or an error it could not record:
- a `RowError` has a line from 1 to the file's last line, a column, and a reason;
- stored text (ticket, symbol, error columns and reasons, file messages) holds no NUL and no
  lone surrogate;
- numbers are finite and within the columns' digits (money 16+2, price 12+8, volume 10+4),
  net profit included; times are aware UTC; a trade closes at or after it opens;
- the canonical COPY fast path stages exactly what the full validator yields (same errors,
  same values), as COPY text PostgreSQL reads back unchanged.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import io
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = Path("/work/shared/samples")
LOGIN = "52603751"
ACCOUNTS = {"8100001": 1, "8100002": 2, LOGIN: 3}
MONEY, PRICE, VOLUME = (9, 2), (12, 8), (10, 4)  # imports.values: what a stored value may be


class ContractBroken(AssertionError):
    """The parser returned something the import could not store, or a malformed error."""


# --- checks -------------------------------------------------------------------------------


def _expect(condition: bool, what: str, item: object) -> None:
    if not condition:
        raise ContractBroken(f"{what}: {item!r}")


def _storable_text(text: object, what: str, item: object) -> None:
    _expect(isinstance(text, str), f"{what} is not text", item)
    _expect("\x00" not in text, f"{what} holds a NUL PostgreSQL cannot store", item)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ContractBroken(f"{what} holds a lone surrogate: {item!r}") from None


def _fits(value: object, limits: tuple[int, int], what: str, item: object) -> None:
    _expect(isinstance(value, Decimal) and value.is_finite(), f"{what} is not a number", item)
    whole, places = limits
    _expect(abs(value) < Decimal(10) ** whole, f"{what} has more than {whole} digits", item)
    _expect(value.as_tuple().exponent >= -places, f"{what} has more than {places} places", item)


def _utc(value: object, what: str, item: object) -> None:
    _expect(isinstance(value, dt.datetime), f"{what} is not a datetime", item)
    _expect(value.utcoffset() == dt.timedelta(0), f"{what} is not aware UTC", item)


def file_error(exc: Exception) -> str:
    """The message of an `ImportFileError`, checked: text a person (and jsonb) can read."""
    message = str(exc)
    _expect(bool(message.strip()), "empty file error", exc)
    _storable_text(message, "file error", exc)
    return message


def check_items(rows, last_line: int | None) -> list:
    """Drain a parser's iterator, checking every item; returns the items."""
    from imports.rows import BalanceRow, RowError, SnapshotRow, TradeRow

    items = []
    for item in rows:
        items.append(item)
        if isinstance(item, RowError):
            _expect(isinstance(item.line, int) and item.line >= 1, "error without a line", item)
            if last_line is not None:
                _expect(item.line <= last_line, "error line past the end of the file", item)
            _storable_text(item.column, "error column", item)
            _expect(bool(item.reason.strip()), "error without a reason", item)
            _storable_text(item.reason, "error reason", item)
        elif isinstance(item, TradeRow):
            _expect(isinstance(item.line, int) and item.line >= 1, "row without a line", item)
            # The login is only looked up (an unknown one is reported with repr), not stored.
            _expect(isinstance(item.login, str) and item.login.strip(), "empty login", item)
            for name in ("ticket", "symbol"):
                value = getattr(item, name)
                _storable_text(value, name, item)
                _expect(bool(value.strip()), f"empty {name}", item)
            _expect(len(item.ticket) <= 64 and len(item.symbol) <= 32, "text too long", item)
            _expect(item.side in ("buy", "sell"), "side", item)
            _fits(item.volume, VOLUME, "volume", item)
            _expect(item.volume > 0, "volume not positive", item)
            _fits(item.open_price, PRICE, "open_price", item)
            _fits(item.close_price, PRICE, "close_price", item)
            for name in ("commission", "swap", "fees", "profit"):
                _fits(getattr(item, name), MONEY, name, item)
            net = item.profit + item.commission + item.swap + item.fees
            _fits(net, MONEY, "net (profit + costs)", item)
            _utc(item.open_time, "open_time", item)
            _utc(item.close_time, "close_time", item)
            _expect(item.close_time >= item.open_time, "closes before it opens", item)
        elif isinstance(item, SnapshotRow):
            _expect(isinstance(item.login, str) and item.login.strip(), "empty login", item)
            _utc(item.time, "time", item)
            _fits(item.balance, MONEY, "balance", item)
            _fits(item.equity, MONEY, "equity", item)
        elif isinstance(item, BalanceRow):  # stored as a balance operation when asked
            _expect(isinstance(item.line, int) and item.line >= 1, "row without a line", item)
            for name in ("login", "ticket", "type", "comment"):
                _storable_text(getattr(item, name), name, item)
            _utc(item.time, "time", item)
            _fits(item.amount, MONEY, "amount", item)
        else:
            raise ContractBroken(f"not a row: {item!r}")
    return items


def _last_line(data: bytes, encoding: str) -> int | None:
    """An upper bound of a text file's line numbers (csv counts fewer line breaks)."""
    if not encoding:
        return None
    try:
        text = data.decode(encoding, errors="replace")
    except (LookupError, TypeError):
        return None
    return len(text.splitlines()) + 1


# --- targets ------------------------------------------------------------------------------


def run_format(data: bytes, fmt: str = "auto", login: str | None = LOGIN, tz: str = "UTC"):
    """What `service.import_file` does before writing: sniff, then drain the parser."""
    from imports.detect import sniff
    from imports.parsers import parsed_rows
    from imports.rows import ImportFileError, ParseContext
    from imports.values import zone

    raw = io.BytesIO(data)
    try:
        sniffed = sniff(raw, fmt)
        ctx = ParseContext(zone(tz), login, sniffed.encoding)
        with parsed_rows(raw, sniffed.format, ctx) as rows:
            last = (
                _last_line(data, sniffed.encoding) if sniffed.format not in ("mt4", "mt5") else None
            )
            return check_items(rows, last)
    except ImportFileError as exc:
        file_error(exc)
        return None


def target_auto(data: bytes) -> None:
    # Half the inputs import for a named account, half as a multi-account file.
    run_format(data, "auto", LOGIN if len(data) % 2 else None, "Europe/Prague")


def _format_target(fmt: str, login: str | None, tz: str) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        run_format(data, fmt, login, tz)

    return target


_STRICT_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


def _copy_fields(text: str) -> list[list[str]]:
    """COPY text-format lines back to fields, checking the framing PostgreSQL expects."""
    _expect(text.endswith("\n"), "COPY block not newline-terminated", text)
    lines = []
    for line in text[:-1].split("\n"):
        _expect("\r" not in line and "\x00" not in line, "raw CR/NUL in a COPY line", line)
        fields = line.split("\t")
        _expect(len(fields) == 16, "COPY line without 16 fields", line)
        lines.append(fields)
    return lines


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m[1], m[1]), value)


def _copy_time(text: str, expected: dt.datetime, item: object) -> None:
    """PostgreSQL reads `YYYY-MM-DDTHH:MM:SSZ` and Python's isoformat(); nothing else is sent."""
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ContractBroken(f"COPY time {text!r} is not ISO: {item!r}") from None
    _expect(
        _STRICT_UTC.fullmatch(text) is not None or parsed.isoformat() == text,
        f"COPY time {text!r} in a form PostgreSQL may not read",
        item,
    )
    _expect(parsed == expected, f"COPY time {text!r} differs from the validator's", item)


def target_canonical_copy(data: bytes) -> None:
    """The COPY fast path against the full validator on the same file (the ORM path)."""
    from imports.canonical_copy import copy_text
    from imports.detect import sniff
    from imports.parsers import parsed_rows
    from imports.rows import ImportFileError, ParseContext, RowError, before_start, unknown_account
    from imports.values import zone

    login = LOGIN if len(data) % 2 else None
    accounts = {LOGIN: ACCOUNTS[LOGIN]} if login else ACCOUNTS
    # Each account started at its own time: a trade opened before it is a row error on both paths.
    starts = {
        account_id: dt.datetime(2026, 1 + n % 12, 1, tzinfo=dt.UTC)
        for n, account_id in enumerate(sorted(ACCOUNTS.values()))
    }
    tz = zone("Europe/Prague" if len(data) % 3 == 0 else "UTC")

    contexts = {}

    def context(raw: io.BytesIO) -> ParseContext:
        """One context for both paths: the same encoding and the same import window."""
        sniffed = sniff(raw, "canonical")
        if not contexts:
            contexts["ctx"] = ParseContext(tz, login, sniffed.encoding)
        return contexts["ctx"]

    def slow():
        raw = io.BytesIO(data)
        ctx = context(raw)
        errors, staged = [], []
        with parsed_rows(raw, "canonical", ctx) as rows:
            for row in check_items(rows, _last_line(data, ctx.encoding)):
                if isinstance(row, RowError):
                    errors.append(row)
                elif row.login not in accounts:
                    errors.append(unknown_account(row.line, row.login))
                elif row.open_time < starts[accounts[row.login]]:
                    start = starts[accounts[row.login]]
                    errors.append(before_start(row.line, row.open_time, start))
                else:
                    staged.append((accounts[row.login], row))
        return errors, staged

    def fast():
        raw = io.BytesIO(data)
        ctx = context(raw)
        errors, repeated, lines = [], set(), []
        with parsed_rows(raw, "canonical", ctx) as trade_file:
            for text, count in trade_file.staged_text(accounts, errors, repeated, starts):
                fields = _copy_fields(text)
                _expect(len(fields) == count, "COPY block row count", text)
                lines.extend(fields)
        return errors, lines

    outcomes = []
    for path in (slow, fast):
        try:
            outcomes.append(path())
        except ImportFileError as exc:
            outcomes.append(file_error(exc))
    (slow_out, fast_out) = outcomes
    if isinstance(slow_out, str) or isinstance(fast_out, str):
        _expect(slow_out == fast_out, "the paths disagree on the file error", outcomes)
        return
    (slow_errors, staged), (fast_errors, lines) = slow_out, fast_out
    _expect(slow_errors == fast_errors, "the paths report different errors", outcomes)
    _expect(len(staged) == len(lines), "the paths stage different rows", outcomes)
    for (account_id, row), fields in zip(staged, lines, strict=True):
        *columns, stop_loss, take_profit = fields
        line, acc, ticket, symbol, side, volume, ot, op, ct, cp, comm, swap, fees, profit = columns
        stops = [None if v == "\\N" else Decimal(v) for v in (stop_loss, take_profit)]
        _expect(stops == [row.stop_loss, row.take_profit], "COPY S/L or T/P differ", (fields, row))
        _expect(
            (int(line), int(acc), ticket, symbol, side)
            == (row.line, account_id, copy_text(row.ticket), copy_text(row.symbol), row.side),
            "COPY text fields differ",
            (fields, row),
        )
        _expect(_unescape(ticket) == row.ticket, "COPY ticket escaping", (fields, row))
        numbers = [Decimal(v) for v in (volume, op, cp, comm, swap, fees, profit)]
        expected = [row.volume, row.open_price, row.close_price, row.commission, row.swap]
        _expect(numbers == [*expected, row.fees, row.profit], "COPY numbers differ", (fields, row))
        _copy_time(ot, row.open_time, (fields, row))
        _copy_time(ct, row.close_time, (fields, row))


def target_mt5_html(data: bytes) -> None:
    """MT5's HTML report is UTF-16: fuzz inputs without a BOM are re-encoded as it."""
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = data.decode("utf-8", "replace").encode("utf-16")
    run_format(data, "mt5", LOGIN, "Europe/Prague")


_MT_TIME = re.compile(r"(\d{4})\.(\d\d)\.(\d\d) (\d\d:\d\d(?::\d\d)?)")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHARED = ("Positions", "Account: 52603751 (USD, Demo)", "  Buy ", "x" * 3000)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<workbook {_NS} xmlns:r="{_REL}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    "xl/sharedStrings.xml": (
        f"<sst {_NS}>" + "".join(f"<si><t>{text}</t></si>" for text in _SHARED) + "</sst>"
    ),
}


def _cell_xml(ref: str, text: str) -> str:
    """One cell. `#n:`, `#b:`, `#d:`, `#e:`, `#s:` write the rest raw as that cell type
    (number, bool, ISO date, error, shared-string index); otherwise a number is a number, an
    MT time a date cell, and anything else an inline string."""
    text = _NOT_XML.sub("", text)[:2000]
    if len(text) > 3 and text[0] == "#" and text[2] == ":" and text[1] in "nbdes":
        return f'<c r="{ref}" t="{text[1]}"><v>{xml_escape(text[3:])}</v></c>'
    if _NUMBER.fullmatch(text):
        return f'<c r="{ref}"><v>{text}</v></c>'
    time = _MT_TIME.fullmatch(text)
    if time:
        return f'<c r="{ref}" t="d"><v>{"-".join(time.groups()[:3])}T{time[4]}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{xml_escape(text)}</t></is></c>'


def xlsx_bytes(text: str) -> bytes:
    """A minimal workbook (written directly, for speed) whose sheet holds the CSV text's
    cells. A first cell `#r:N` numbers its row N; a line `#dim:REF` declares the sheet's
    dimension, which openpyxl would otherwise trust."""
    from openpyxl.utils.cell import get_column_letter

    rows, dimension, number = [], "", 0
    for n, cells in enumerate(csv.reader(io.StringIO(text, newline=""))):
        if n >= 300:
            break
        if cells and cells[0].startswith("#dim:"):
            dimension = f'<dimension ref="{xml_escape(_NOT_XML.sub("", cells[0][5:]))}"/>'
            continue
        label, number = str(number + 1), number + 1
        if cells and cells[0].startswith("#r:"):
            given, cells = _NOT_XML.sub("", cells[0][3:]), cells[1:]
            # Up to 99,999: a row past Excel's 1,048,576 costs a second of padding rows to
            # refuse (tests/imports/test_fuzz_regressions.py covers it) and would slow the run.
            if given.isdecimal() and len(given) < 6:
                label, number = given, int(given)
            elif not given.isdecimal():
                label = given  # not a row number at all
        body = "".join(
            _cell_xml(f"{get_column_letter(i)}{number}", cell)
            for i, cell in enumerate(cells[:40], start=1)
            if cell
        )
        rows.append(f'<row r="{xml_escape(label)}">{body}</row>')
    return minimal_xlsx(f"{dimension}<sheetData>{''.join(rows)}</sheetData>")


def minimal_xlsx(sheet: str) -> bytes:
    """A workbook of one sheet whose `<worksheet>` holds `sheet` (XML), and shared strings."""
    sheet = f"<worksheet {_NS}>{sheet}</worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, part in (*_PACKAGE.items(), ("xl/worksheets/sheet1.xml", sheet)):
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + part)
    return out.getvalue()


def target_mt5_xlsx(data: bytes) -> None:
    """A zip is read as is; anything else is laid out as CSV cells in a workbook."""
    if not data.startswith(b"PK"):
        data = xlsx_bytes(data.decode("utf-8", "replace"))
    run_format(data, "mt5", LOGIN, "Europe/Prague")


def target_values(data: bytes) -> None:
    """The value parsers on their own: the first byte picks the function, the rest is text."""
    from imports import ctrader, ninjatrader, report, tradovate
    from imports.rows import FieldError, ImportFileError
    from imports.values import (
        iso_time,
        loose_number,
        parse_time,
        plain_number,
        zone,
    )

    if not data:
        return
    choice, text = data[0] % 14, data[1:].decode("utf-8", "replace")
    limits = (MONEY, PRICE, VOLUME)[choice % 3]
    formats = (
        report.MT_TIME_FORMATS,
        tradovate.TIME_FORMATS,
        ctrader.TIME_FORMATS,
        ninjatrader.TIME_FORMATS,
    )
    try:
        if choice < 3:
            _fits(plain_number(text, "n", limits), limits, "plain_number", text)
        elif choice < 6:
            _fits(loose_number(text, "n", limits), limits, "loose_number", text)
        elif choice < 8:
            _utc(iso_time(text, zone(("UTC", "Europe/Prague")[choice - 6]), "t"), "iso", text)
        elif choice < 12:
            _utc(parse_time(text, formats[choice - 8], zone("America/New_York"), "t"), "t", text)
        elif choice == 12:
            tz = ctrader.header_zone(text, dt.UTC)
            _expect(isinstance(tz, dt.tzinfo), "header_zone", text)
        else:
            zone(text)
    except FieldError as exc:
        _storable_text(exc.reason, "reason", text)
    except ImportFileError as exc:
        file_error(exc)


@dataclass(frozen=True)
class Target:
    run: Callable[[bytes], None]
    seeds: tuple[str, ...]  # fixture / sample file names, or "xlsx" / "utf8:<name>"
    tokens: tuple[str, ...]  # dictionary groups
    instrument: tuple[str, ...] = ()


CSV_SEEDS = (
    "canonical_trades.csv",
    "canonical_snapshots.csv",
    "ctrader_history.csv",
    "mt5_report.csv",
    "ninjatrader_trades.csv",
    "tradovate_performance.csv",
)
TARGETS: dict[str, Target] = {
    "auto": Target(
        target_auto,
        (*CSV_SEEDS, "mt4_statement.htm", "mt5_report.html", "xlsx", "charset"),
        ("values", "csv", "html"),
        ("html.parser",),
    ),
    "canonical": Target(
        _format_target("canonical", None, "UTC"), ("canonical_trades.csv",), ("values", "csv")
    ),
    "canonical_copy": Target(target_canonical_copy, ("canonical_trades.csv",), ("values", "csv")),
    "snapshots": Target(
        _format_target("snapshots", None, "Europe/Prague"),
        ("canonical_snapshots.csv",),
        ("values", "csv"),
    ),
    "tradovate": Target(
        _format_target("tradovate", LOGIN, "America/Chicago"),
        ("tradovate_performance.csv", "samples/tradovate_performance.csv"),
        ("values", "csv"),
    ),
    "ctrader": Target(
        _format_target("ctrader", LOGIN, "UTC"), ("ctrader_history.csv",), ("values", "csv")
    ),
    "ninjatrader": Target(
        _format_target("ninjatrader", None, "America/New_York"),
        ("ninjatrader_trades.csv",),
        ("values", "csv"),
    ),
    "mt4": Target(
        _format_target("mt4", None, "Europe/Prague"),  # the statement names its account
        ("mt4_statement.htm", "charset"),
        ("values", "html"),
        ("html.parser",),
    ),
    "mt5_csv": Target(
        _format_target("mt5", LOGIN, "Europe/Prague"), ("mt5_report.csv",), ("values", "csv")
    ),
    "mt5_html": Target(
        target_mt5_html,
        ("mt5_report.html", "utf8:mt5_report.html"),
        ("values", "html"),
        ("html.parser",),
    ),
    "mt5_xlsx": Target(target_mt5_xlsx, ("mt5_report.csv", "xlsx"), ("values", "xlsx")),
    "values": Target(target_values, ("values",), ("values",)),
}

TOKENS = {
    "values": (
        "$",
        "(",
        ")",
        "-",
        "+",
        " ",
        ".",
        ",",
        "\u00a0",
        "\u202f",
        "$(41.00)",
        "-$18.98",
        "$1,126.02",
        "4 182.78",
        "- 0.08",
        "1e5",
        "NaN",
        "Infinity",
        "9999999999999999.99",
        "0.00000001",
        "99999999999.99999999",
        "0.0001",
        "2026-03-29T02:30:00",
        "Z",
        "+01:00",
        "+23:59",
        "T080000,5Z",
        ",5",
        ".000001",
        "+0100",
        "-23:59",
        "T",
        "12/31/2025 11:59:59 PM",
        "2025.03.04 09:00:00",
        "0001-01-01",
        "9999-12-31T23:59:59",
        "31.12.2025 23:59:59.999",
        ".000000",
        " Lots",
        "(UTC+2)",
        "(UTC-99:99)",
        "buy",
        "sell",
        "Buy",
        "Sell",
        "Long",
        "Short",
        "\x00",
    ),
    "csv": (
        '"',
        "\r\n",
        "\n",
        "\r",
        "\ufeff",
        # + the canonical CSV's column names (write_dictionary, after instrumentation)
        "buyFillId",
        "sellFillId",
        "boughtTimestamp",
        "soldTimestamp",
        "Trade number",
        "Market pos.",
        "Entry time",
        "Exit time",
        "Opening Direction",
        "Opening Time (UTC+2)",
        "Closing Quantity",
        "Gross USD",
        "Net USD",
        "ID",
        "Exchange Fee",
        "Positions",
        "Account:",
        "Orders",
        "Deals",
        "Results",
    ),
    "xlsx": ("#n:", "#b:", "#d:", "#e:", "#s:", "#r:", "#dim:", "A1:XFD1048576", "1e308"),
    "html": (
        "<table>",
        "<tr>",
        "<td>",
        "</td>",
        "</tr>",
        "</table>",
        "<th>",
        "<td colspan=3>",
        '<td class="hidden">',
        '<td style="display: none">',
        "<br>",
        "&amp;",
        "&#0;",
        "&#xD800;",
        "&#x110000;",
        "<!DOCTYPE html>",
        "<html>",
        "<meta charset=",
        "windows-1252",
        "utf-7",
        "hex",
        "rot13",
        "unicode_escape",
        "undefined",
        "Closed Transactions:",
        "Positions",
        "Account: ",
        "Open Trades:",
        "Summary:",
        "Closed P/L:",
        "Total",
        "balance",
        "<!--",
        "-->",
        "<![CDATA[",
        "<script>",
        "</script>",
    ),
}


# --- seeds --------------------------------------------------------------------------------

VALUE_SEEDS = (
    b"\x001234.56",
    b"\x04$(41.00)",
    b"\x05- 0.08",
    b"\x064 182.78",
    b"\x062026-03-02T08:00:00Z",
    b"\x072026-03-29T02:30:00",
    b"\x082025.03.04 09:00:00",
    b"\x0912/01/2025 14:30:00",
    b"\x0a01/12/2025 14:30:00.123",
    b"\x0b12/01/2025 2:30:00 PM",
    b"\x0cOpening Time (UTC+2)",
    b"\x0dEurope/Prague",
)


def _workbook_value(text: str):
    """Plain numbers become numeric cells, as in a real workbook; the rest stays text."""
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text or None


def _mt5_workbook() -> bytes:
    """The MT5 CSV report as MT5 lays out its workbook (labels in A, values from D)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    with (FIXTURES / "mt5_report.csv").open(newline="") as handle:
        for cells in csv.reader(handle):
            if cells and cells[0].endswith(":") and len(cells) == 2:
                sheet.append([cells[0], None, None, cells[1]])
            else:
                sheet.append([_workbook_value(cell) for cell in cells])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _charset_statement() -> bytes:
    """The MT4 statement as a Windows-1252 page that says so (a `£` is not UTF-8)."""
    html = (FIXTURES / "mt4_statement.htm").read_text(encoding="utf-8")
    html = html.replace("<head>", '<head><meta charset="windows-1252">', 1)
    return html.replace("Closed Transactions", "Closed Transactions \u00a3", 1).encode("cp1252")


def write_seeds(target: Target, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for n, name in enumerate(target.seeds):
        if name == "xlsx":
            data = _mt5_workbook()
        elif name == "charset":
            data = _charset_statement()
        elif name == "values":
            for i, seed in enumerate(VALUE_SEEDS):
                (directory / f"seed-values-{i}").write_bytes(seed)
            continue
        elif name.startswith("utf8:"):
            data = (FIXTURES / name[5:]).read_text(encoding="utf-16").encode()
        elif name.startswith("samples/"):
            path = SAMPLES / name.removeprefix("samples/")
            if not path.exists():
                continue
            data = path.read_bytes()
        else:
            data = (FIXTURES / name).read_bytes()
        (directory / f"seed-{n}-{Path(name).name}").write_bytes(data)


def _tokens(group: str) -> tuple[str, ...]:
    if group != "csv":
        return TOKENS[group]
    # Imported here, once `_setup_django` has instrumented the import package.
    from imports import canonical

    columns = canonical.TRADE_REQUIRED + canonical.TRADE_OPTIONAL + canonical.SNAPSHOT_REQUIRED
    return TOKENS[group] + columns


def write_dictionary(target: Target, path: Path) -> None:
    lines = []
    for group in target.tokens:
        for token in _tokens(group):
            escaped = "".join(
                chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}"
                for b in token.encode()
            )
            lines.append(f'"{escaped}"')
    path.write_text("\n".join(lines) + "\n")


# --- main ---------------------------------------------------------------------------------


def _setup_django(instrument: tuple[str, ...]) -> None:
    """Django settings (no database is used) with the import package instrumented."""
    import atheris

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")  # settings want a SECRET_KEY otherwise
    if "imports.parsers" in sys.modules:
        raise RuntimeError("the parsers were imported before instrumentation")
    with atheris.instrument_imports(include=["imports", "_strptime", *instrument]):
        import django

        django.setup()
        import _strptime  # noqa: F401

        import imports.parsers  # noqa: F401

        if "openpyxl" in instrument:
            import openpyxl  # noqa: F401


def _work_dir(target: str, given: str | None) -> Path:
    """A fresh directory for this process's seeds and dictionary.

    libFuzzer ends the process with exit(), past any `finally`, so instead the directories
    of earlier runs whose process is gone are removed here.
    """
    if given:
        work = Path(given)
        work.mkdir(parents=True, exist_ok=True)
        return work
    base = Path(tempfile.gettempdir())
    for old in base.glob("propdesk-fuzz-*"):
        pid = old.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    work = base / f"propdesk-fuzz-{target}-{os.getpid()}"
    work.mkdir(exist_ok=True)
    return work


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--target", choices=sorted(TARGETS))
    parser.add_argument("--workdir", help="where to write seeds and dictionary (default: tmp)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--help", action="store_true")
    args, fuzzer_args = parser.parse_known_args(argv[1:])
    if args.help or args.list or not args.target:
        print(__doc__ if args.help or not args.list else "\n".join(sorted(TARGETS)))
        return
    import atheris

    target = TARGETS[args.target]
    _setup_django(target.instrument)
    work = _work_dir(args.target, args.workdir)
    seeds = work / "seeds"
    write_seeds(target, seeds)
    write_dictionary(target, work / "tokens.dict")
    positional = [a for a in fuzzer_args if not a.startswith("-")]
    replay = any(Path(a).is_file() for a in positional)
    extra = [] if replay else [f"-dict={work / 'tokens.dict'}", str(seeds)]
    if not any(a.startswith("-max_len=") for a in fuzzer_args):
        extra.insert(0, "-max_len=16384")
    atheris.Setup([argv[0], *fuzzer_args, *extra], target.run)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
