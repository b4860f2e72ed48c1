"""Format name -> parser. CSV parsers read a text stream; report parsers read the bytes."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from . import canonical, canonical_copy, ctrader, mt4, mt5, ninjatrader, tradovate
from .detect import decoding_error, text_stream, unreadable_csv
from .rows import ParseContext

TEXT_PARSERS = {
    "canonical": canonical_copy.TradeFile,
    "snapshots": canonical.parse_snapshots,
    "tradovate": tradovate.parse,
    "ctrader": ctrader.parse,
    "ninjatrader": ninjatrader.parse,
}
BINARY_PARSERS = {"mt5": mt5.parse, "mt4": mt4.parse}


@contextmanager
def parsed_rows(file: BinaryIO, fmt: str, ctx: ParseContext) -> Iterator[Iterator]:
    """The parser's row iterator for `fmt`, over a text view when the format is CSV.

    Detection reads only the head, so a CSV may stop decoding, or the csv module give up on
    it, while its rows are read (in the `with` body): either becomes the `ImportFileError`
    naming the line.
    """
    if fmt in BINARY_PARSERS:
        yield BINARY_PARSERS[fmt](file, ctx)
        return
    try:
        with text_stream(file, ctx.encoding) as stream:
            yield TEXT_PARSERS[fmt](stream, ctx)
    except UnicodeDecodeError:
        raise decoding_error(file, ctx.encoding) from None
    except csv.Error as exc:
        raise unreadable_csv(file, ctx.encoding, exc) from None
