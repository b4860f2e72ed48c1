"""Bridge API items (JSON objects) to rows, with the canonical CSV's field rules.

Numbers may be JSON numbers or strings (read through `str`, never float arithmetic);
times are ISO 8601, naive = UTC, within the import's time window (`window.py`). `line` of an
error is the item's index in the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .rows import (
    ZERO,
    FieldError,
    ParseContext,
    RowError,
    SnapshotRow,
    TradeRow,
    check_snapshot,
    check_trade,
)
from .values import MONEY, PRICE, VOLUME, iso_time, plain_number


def _text(item: dict, field: str, required: bool = True) -> str:
    value = item.get(field)
    if value is None or isinstance(value, bool | dict | list):
        if required or value is not None:
            reason = "missing value" if value is None else "must be a string or number"
            raise FieldError(field, reason)
        return ""
    text = value if isinstance(value, str) else str(value)
    if required and not text.strip():
        raise FieldError(field, "missing value")
    return text.strip()


def _cost(item: dict, field: str):
    text = _text(item, field, required=False)
    return plain_number(text, field, MONEY) if text else ZERO


def _stop_price(item: dict, field: str):
    """An optional S/L or T/P: absent or null = unknown (None), 0 = none set."""
    text = _text(item, field, required=False)
    return plain_number(text, field, PRICE) if text.strip() else None


def trade_rows(items: list, ctx: ParseContext | None = None) -> Iterator[TradeRow | RowError]:
    """Yield a `TradeRow` or `RowError` per trade item; `ctx` carries the time window."""
    ctx = ctx or ParseContext(dt.UTC)
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise FieldError("", "each item must be an object")
            side = _text(item, "side").lower()
            if side not in ("buy", "sell"):
                raise FieldError("side", f"side must be buy or sell, got {side!r}")
            costs = {name: _cost(item, name) for name in ("commission", "swap", "fees")}
            row = TradeRow(
                line=index,
                login=_text(item, "account"),
                ticket=_text(item, "ticket"),
                symbol=_text(item, "symbol"),
                side=side,
                volume=plain_number(_text(item, "volume"), "volume", VOLUME),
                open_time=iso_time(_text(item, "open_time"), dt.UTC, "open_time"),
                open_price=plain_number(_text(item, "open_price"), "open_price", PRICE),
                close_time=iso_time(_text(item, "close_time"), dt.UTC, "close_time"),
                close_price=plain_number(_text(item, "close_price"), "close_price", PRICE),
                profit=plain_number(_text(item, "profit"), "profit", MONEY),
                stop_loss=_stop_price(item, "stop_loss"),
                take_profit=_stop_price(item, "take_profit"),
                **costs,
            )
            check_trade(row, ctx)
        except FieldError as exc:
            yield RowError(index, exc.column, exc.reason)
            continue
        yield row


def snapshot_rows(items: list, ctx: ParseContext | None = None) -> Iterator[SnapshotRow | RowError]:
    """Yield a `SnapshotRow` or `RowError` per snapshot item; `ctx` carries the time window."""
    ctx = ctx or ParseContext(dt.UTC)
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise FieldError("", "each item must be an object")
            row = SnapshotRow(
                line=index,
                login=_text(item, "account"),
                time=iso_time(_text(item, "time"), dt.UTC, "time"),
                balance=plain_number(_text(item, "balance"), "balance", MONEY),
                equity=plain_number(_text(item, "equity"), "equity", MONEY),
            )
            check_snapshot(row, ctx)
        except FieldError as exc:
            yield RowError(index, exc.column, exc.reason)
            continue
        yield row
