"""Recognise a file's format and text encoding from its first bytes and header.

XLSX (a zip) is an MT5 report; HTML is an MT4 statement if it has a "Closed Transactions"
section (or a translation of it), an MT5 report if it has "Positions" (or a translation, or a
row laid out as its rows); CSV formats are told apart by their header.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import BinaryIO

from .csvlocale import header_cells
from .htmltable import table_rows
from .mt5_layout import is_positions_row
from .mt5_localized import MT5, names_positions
from .mt_localized import is_localized_title
from .rows import ImportFileError

TRADE_FORMATS = ("canonical", "mt5", "mt4", "ctrader", "tradovate", "ninjatrader")
FORMATS = (*TRADE_FORMATS, "snapshots")
HEAD_BYTES = 64 * 1024
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
# The legacy charsets an HTML statement may declare, by Python codec name. A page cannot pick
# any codec: "hex" or "rot13" are not text encodings, "utf-7" and "unicode_escape" can make
# unpaired surrogates, "undefined" always fails.
HTML_CHARSETS = frozenset(
    codecs.lookup(name).name
    for name in (
        "ascii", "latin-1", "cp437", "cp850", "cp866", "koi8-r", "koi8-u", "mac-roman",
        "mac-cyrillic", "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255",
        "cp1256", "cp1257", "cp1258", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5",
        "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-9", "iso8859-10", "iso8859-13",
        "iso8859-14", "iso8859-15", "iso8859-16", "gbk", "gb2312", "gb18030", "big5",
        "big5hkscs", "euc-jp", "euc-kr", "shift_jis", "cp932", "cp949", "cp950", "iso2022-jp",
    )
)  # fmt: skip
# The ANSI code pages a Windows terminal (MT4/MT5, NinjaTrader) writes an undeclared file in:
# the only candidates of encoding detection, so a binary file is still refused.
WINDOWS_CODE_PAGES = (
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "cp874", "cp932", "gbk", "cp949", "big5",
)  # fmt: skip
DETECT_MAX_BYTES = 32 * 1024 * 1024  # MT statements are a few MB at most
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Sniffed:
    format: str
    encoding: str  # "" for binary (XLSX)
    detected: bool = False  # the encoding was guessed from the bytes (none declared)


def sniff(file: BinaryIO, wanted: str = "auto") -> Sniffed:
    """Detect format (unless `wanted` names one) and encoding; the file is left at offset 0."""
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFileError("empty file: there is nothing to import")
    if head.startswith(b"PK\x03\x04"):
        if wanted not in ("auto", "mt5"):
            raise ImportFileError(f"this is an XLSX workbook, not a {wanted} file")
        return Sniffed("mt5", "")
    encoding, detected = _encoding(head, file)
    text = _decode_head(head, encoding)
    if wanted != "auto":
        return Sniffed(wanted, encoding, detected)
    fmt = _detect(text)
    if fmt is None:
        first = text.strip().splitlines()[0][:120] if text.strip() else ""
        raise ImportFileError(
            f"unrecognised format: the header {first!r} matches none of "
            "canonical, snapshots, mt5, mt4, ctrader, tradovate, ninjatrader"
        )
    return Sniffed(fmt, encoding, detected)


def _encoding(head: bytes, file: BinaryIO) -> tuple[str, bool]:
    """(encoding, detected): a BOM, else UTF-8, else the HTML's declared charset, else the
    Windows code page the bytes read as (`detected_code_page`)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", False
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start < len(head) - 4:
            declared = _CHARSET.search(head[:4096])
            if declared and b"<" in head[:512]:
                try:
                    name = codecs.lookup(declared.group(1).decode("ascii")).name
                except LookupError:
                    name = ""
                if name in HTML_CHARSETS:
                    return name, False
            guessed = detected_code_page(file)
            if guessed:
                return guessed, True
            raise ImportFileError(
                f"wrong encoding: the file is not UTF-8 (byte 0x{head[exc.start]:02x} at "
                f"offset {exc.start}) nor text in a Windows code page; export it as UTF-8 "
                "(or UTF-16 with a byte order mark)"
            ) from None
    return "utf-8-sig", False


def detected_code_page(file: BinaryIO) -> str | None:
    """The Windows code page the whole file reads as best, or None for bytes that are no
    text in any of them (a NUL byte, or too much noise: a binary file). The file is left at
    offset 0.

    charset-normalizer proposes the code pages the bytes decode in, with its measure of noise
    (`chaos`). A statement is mostly ASCII markup around a few names and comments, too little
    for its language measure, so candidates are ranked by how plausible their non-ASCII
    characters are (`_implausible`: GBK read as cp932 gives half-width katakana), then by
    noise; among code pages that read the file alike, the Western one (cp1252) is named.
    """
    from charset_normalizer import from_bytes

    data = file.read(DETECT_MAX_BYTES + 1)
    file.seek(0)
    if b"\x00" in data or len(data) > DETECT_MAX_BYTES:
        return None
    ranked = []
    for match in from_bytes(data, cp_isolation=list(WINDOWS_CODE_PAGES)):
        name = codecs.lookup(match.encoding).name
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        ranked.append((_implausible(text), match.chaos, name, text))
    if not ranked:
        return None
    noise, chaos, name, text = min(ranked)
    if noise > 0.2 or chaos > 0.2:
        return None
    with suppress(UnicodeDecodeError):
        if name != "cp1252" and data.decode("cp1252") == text:
            return "cp1252"
    return name


def _implausible(text: str) -> float:
    """The share of non-ASCII characters no name or comment is written in: controls,
    half-width katakana, symbols, private use, and letters outside the text's main script
    (a wrong code page mixes scripts: cp932 read as cp1256 gives Arabic and Latin letters)."""
    odd = total = 0
    scripts: dict[str, int] = {}
    for char in text:
        if char.isascii():
            continue
        total += 1
        category = unicodedata.category(char)
        if "\uff61" <= char <= "\uff9f" or category[0] in "CS":
            odd += 1
        elif category[0] == "L":
            script = unicodedata.name(char, "?").split()[0]
            script = "CJK" if script in _CJK_SCRIPTS else script
            scripts[script] = scripts.get(script, 0) + 1
    if scripts:
        odd += sum(scripts.values()) - max(scripts.values())
    return odd / total if total else 0.0


_CJK_SCRIPTS = frozenset(("CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "FULLWIDTH"))


def _decode_head(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"wrong encoding: the file is not valid {encoding}") from exc


def _detect(text: str) -> str | None:
    lower = text.lower()
    if "<html" in lower or "<table" in lower or "<!doctype" in lower:
        if "closed transactions" in lower or is_localized_title(text):
            return "mt4"
        if names_positions(text) or _has_positions_rows(text):
            return "mt5"
        return "mt4"  # read by its tables' layout, or refused as an unknown template
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    header = {cell.strip().lower() for cell in header_cells(lines[0])}
    if {"buyfillid", "sellfillid", "boughttimestamp", "soldtimestamp"} <= header:
        return "tradovate"
    if {"trade number", "market pos.", "entry time", "exit time"} <= header:
        return "ninjatrader"
    if "opening direction" in header and "id" in header:
        return "ctrader"
    if {"ticket", "symbol", "side", "open_time", "close_time"} <= header:
        return "canonical"
    if {"time", "balance", "equity"} <= header and "ticket" not in header:
        return "snapshots"
    rows = [next(csv.reader([line]), [""]) for line in lines[:200]]
    first_cells = [MT5.english(cells[0].strip()).lower() for cells in rows if cells]
    if any(cell == "positions" or cell.startswith("account:") for cell in first_cells) or any(
        is_positions_row([cell.strip() for cell in cells]) for cells in rows
    ):
        return "mt5"
    return None


def _has_positions_rows(html: str) -> bool:
    """A row of the page's head is laid out as an MT5 report's Positions rows (a report in a
    language we do not know)."""
    try:
        return any(is_positions_row(cells) for cells in table_rows(html))
    except ImportFileError:
        return False


@contextmanager
def text_stream(file: BinaryIO, encoding: str):
    """A text view of the binary file for the csv module; the binary file stays open after."""
    wrapper = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        yield wrapper
    finally:
        with suppress(ValueError):  # already detached or closed by the caller
            wrapper.detach()


def read_text(file: BinaryIO, encoding: str) -> str:
    """The whole file as text (for the small platform formats)."""
    data = file.read()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = _line_of(data[: exc.start].decode(encoding, errors="replace"))
        raise _wrong_encoding(encoding, line, exc) from None


def decoding_error(file: BinaryIO, encoding: str) -> ImportFileError:
    """The file error for a text file that stops decoding part-way, naming the line.

    Only called once decoding has failed: the file is read again from the start, a line (at
    most 64 KiB) at a time, counting line breaks the way the csv module does.
    """
    file.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    while True:
        chunk = file.readline(1 << 16)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            return _wrong_encoding(encoding, line, exc)
        if not chunk:
            return ImportFileError(f"wrong encoding: the file is not valid {_shown(encoding)}")
        line = _line_of(text, line)


def unreadable_csv(file: BinaryIO, encoding: str, exc: csv.Error) -> ImportFileError:
    """The file error for a CSV the csv module gives up on, naming the line its record starts.

    In practice a field over the csv module's size limit: a quote left open swallows the rest
    of the file. Only called once reading has failed: the file is read again to find where.
    """
    file.seek(0)
    line = 0
    with text_stream(file, encoding) as stream:
        reader = csv.reader(stream)
        with suppress(csv.Error, UnicodeDecodeError):
            for _ in reader:
                line = reader.line_num
    return csv_record_error(line + 1, exc)


def csv_record_error(line: int, exc: csv.Error) -> ImportFileError:
    return ImportFileError(f"unreadable CSV from line {line}: {exc} (is a quote left open?)")


def _line_of(text: str, first: int = 1) -> int:
    """The line number at the end of `text`, which starts on line `first`."""
    return first + len(_LINE_BREAK.findall(text))


def _wrong_encoding(encoding: str, line: int, exc: UnicodeDecodeError) -> ImportFileError:
    return ImportFileError(
        f"wrong encoding on line {line}: the file is not valid {_shown(encoding)} "
        f"({exc.reason}); export it as UTF-8 (or UTF-16 with a byte order mark)"
    )


def _shown(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16"}.get(encoding, encoding)
