"""Recognise a file's format and text encoding from its first bytes and header.

XLSX (a zip) is an MT5 report; HTML is an MT4 statement if it has a "Closed Transactions"
section, an MT5 report if it has "Positions"; CSV formats are told apart by their header.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import BinaryIO

from .rows import ImportFileError

TRADE_FORMATS = ("canonical", "mt5", "mt4", "ctrader", "tradovate", "ninjatrader")
FORMATS = (*TRADE_FORMATS, "snapshots")
HEAD_BYTES = 64 * 1024
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Sniffed:
    format: str
    encoding: str  # "" for binary (XLSX)


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
    encoding = _encoding(head)
    text = _decode_head(head, encoding)
    fmt = _detect(text)
    if wanted != "auto":
        return Sniffed(wanted, encoding)
    if fmt is None:
        first = text.strip().splitlines()[0][:120] if text.strip() else ""
        raise ImportFileError(
            f"unrecognised format: the header {first!r} matches none of "
            "canonical, snapshots, mt5, mt4, ctrader, tradovate, ninjatrader"
        )
    return Sniffed(fmt, encoding)


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start < len(head) - 4:
            declared = _CHARSET.search(head[:4096])
            if declared and b"<" in head[:512]:
                name = declared.group(1).decode("ascii").lower()
                try:
                    codecs.lookup(name)
                except LookupError:
                    pass
                else:
                    return name
            raise ImportFileError(
                f"wrong encoding: the file is not UTF-8 (byte 0x{head[exc.start]:02x} at "
                f"offset {exc.start}); export it as UTF-8 (or UTF-16 with a byte order mark)"
            ) from None
    return "utf-8-sig"


def _decode_head(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"wrong encoding: the file is not valid {encoding}") from exc


def _detect(text: str) -> str | None:
    lower = text.lower()
    if "<html" in lower or "<table" in lower or "<!doctype" in lower:
        if "closed transactions" in lower:
            return "mt4"
        if "positions" in lower:
            return "mt5"
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    header = {cell.strip().lower() for cell in next(csv.reader([lines[0]]))}
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
    first_cells = [next(csv.reader([line]), [""]) for line in lines[:200]]
    if any(c and c[0].strip().lower() in ("positions", "account:") for c in first_cells) or any(
        c and c[0].strip().lower().startswith("account:") for c in first_cells
    ):
        return "mt5"
    return None


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
    try:
        return file.read().decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"wrong encoding: the file is not valid {encoding} (offset {exc.start})"
        ) from None
