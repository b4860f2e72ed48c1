"""What MetaTrader reports (MT4 statement, MT5 report) share: a titled section of closed
positions, a header whose `Time`/`Price` columns appear twice (open, then close), and rows
that are trades, balance operations, or comment lines.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import NamedTuple

from .rows import (
    BalanceRow,
    FieldError,
    ImportFileError,
    ParseContext,
    RowError,
    TradeRow,
    check_trade,
    storable,
    unstorable,
)
from .values import MONEY, PRICE, VOLUME, loose_number, parse_time, required

MT_TIME_FORMATS = ("%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y-%m-%d %H:%M:%S")
_LOGIN = re.compile(r"account:?\s*#?\s*(\d+)", re.IGNORECASE)
# MT4: a "Currency: JPY" cell; MT5: "Account: 52603751 (USD, Server, demo, Hedge)".
_CURRENCY = re.compile(
    r"^currency:?\s*([A-Z]{3})\b|^account:?.*?\(\s*([A-Z]{3})\s*[,)]", re.IGNORECASE
)
# Non-trading rows: MT4 statement types, and MT5 deal types that are not buy/sell.
BALANCE_TYPES = frozenset(
    ("balance", "credit", "charge", "correction", "bonus", "commission", "interest",
     "dividend", "tax", "agent", "so_compensation", "financing")
)  # fmt: skip
Line = tuple[int, list[str]]
LOGIN_LINES = 60  # the account is named in the report's first lines


class Layout(NamedTuple):
    """A report whose tables have a fixed layout (MT5): the positions header in English, how
    a positions row looks, and the deals header. A section found by its rows, or headed in
    words we do not know, is read by position with these headers."""

    header: list[str]
    is_row: Callable[[list[str]], bool]
    deals_header: list[str]


def first_cell(cells: list[str]) -> str:
    return next((cell for cell in cells if cell), "")


def column_map(
    header: list[str], names: dict[str, tuple[str, int]], layout: list[str] | None = None
) -> dict[str, int]:
    """Map our field -> column index, for `(header name, occurrence)`; occurrences count from 1.

    A header lacking a name (translated in words we do not know) is read as the fixed
    `layout`, if it has that layout's width."""
    positions: dict[str, list[int]] = {}
    for i, cell in enumerate(header):
        positions.setdefault(cell.strip().lower(), []).append(i)
    found, missing = {}, []
    for field, (name, occurrence) in names.items():
        indexes = positions.get(name.lower(), [])
        if len(indexes) >= occurrence:
            found[field] = indexes[occurrence - 1]
        else:
            missing.append(name)
    if missing and layout is not None:
        english = layout_header(header, layout)
        if english is not None:
            return column_map(english, names)
    if missing:
        raise ImportFileError(f"the positions header lacks column(s): {', '.join(missing)}")
    return found


# Optional price columns of the MT4/MT5 templates: a report without them gives "unknown" (None);
# an empty cell or 0 means "none set" (stored as 0).
STOP_COLUMNS = {"stop_loss": "s / l", "take_profit": "t / p"}


def stop_columns(header: list[str]) -> dict[str, int]:
    """Indexes of the S / L and T / P columns the header has (first occurrence)."""
    names = [cell.strip().lower() for cell in header]
    return {field: names.index(name) for field, name in STOP_COLUMNS.items() if name in names}


def report_trades(
    lines: Iterable[Line],
    title: str,
    names: dict[str, tuple[str, int]],
    stop_titles: tuple[str, ...],
    given_login: str | None,
    what: str,
    ctx: ParseContext,
    deals_title: str | None = None,
    layout: Layout | None = None,
) -> Iterator[TradeRow | BalanceRow | RowError]:
    """Yield the trades of the report's `title` section, reading `lines` once, in order.

    Only the first `LOGIN_LINES` lines are held (for the account login); the rest stream, so a
    report costs the memory of one line whatever its length (an XLSX report is never read whole).
    Times are read in the zone of the account the report names (`ParseContext.zone_for`).
    """
    lines = iter(lines)
    head = list(islice(lines, LOGIN_LINES))
    rest = skip_to_section(chain(head, lines), title, what, layout)
    login = report_login(head, given_login, what)
    check_currency(head, login, what, ctx)
    del head
    ctx = dataclasses.replace(ctx, tz=ctx.zone_for(login))
    yield from section_trades(rest, names, stop_titles, login, ctx, layout)
    if deals_title:
        yield from deal_balance_rows(rest, deals_title, login, ctx, layout)


DEAL_COLUMNS = {
    "open_time": ("Time", 1),
    "ticket": ("Deal", 1),
    "side": ("Type", 1),
    "profit": ("Profit", 1),
}


def deal_balance_rows(
    lines: Iterator[Line], title: str, login: str, ctx: ParseContext, layout: Layout | None = None
) -> Iterator[BalanceRow | RowError]:
    """The balance rows of an MT5 report's Deals section (deposits, withdrawals, credits,
    charges…); its buy/sell deals are the Positions already read. No section: nothing."""
    wanted = title.lower()
    for _, cells in lines:
        if first_cell(cells).lower().rstrip(":") == wanted:
            break
    else:
        return
    header = next((cells for _, cells in lines if any(cells)), None)
    if header is None:
        return
    cols = column_map(header, DEAL_COLUMNS, layout.deals_header if layout else None)
    for line, cells in lines:
        head = first_cell(cells).lower().rstrip(":")
        if head in ("results", "summary") or head.startswith("total"):
            return
        kind = cells[cols["side"]].strip().lower() if len(cells) > cols["side"] else ""
        if kind in BALANCE_TYPES:
            yield balance_row(line, cells[: cols["profit"] + 1], cols, login, kind, ctx)


def check_currency(lines: list[Line], login: str, what: str, ctx: ParseContext) -> None:
    """Refuse a report whose stated currency is not its account's: amounts are stored as
    they are written, so a JPY statement in a USD account would be read as dollars."""
    stated = report_currency(lines)
    if stated is None or ctx.currencies is None:
        return
    currency = ctx.currencies.get(login)
    if currency and currency.upper() != stated:
        raise ImportFileError(
            f"currency mismatch: this {what} is in {stated}, account {login} is in "
            f"{currency.upper()}; import it into an account in {stated}"
        )


def report_currency(lines: list[Line]) -> str | None:
    """The account currency the report's header states, if it states one."""
    for _, cells in lines[:LOGIN_LINES]:
        cells = [cell for cell in cells if cell]  # a label's colspan leaves empty cells
        for i in range(len(cells)):
            match = _CURRENCY.search(" ".join(cells[i : i + 2]).strip())
            if match:
                return (match.group(1) or match.group(2)).upper()
    return None


def report_login(lines: list[Line], given: str | None, what: str) -> str:
    """The account login named in the report's header, checked against the one given."""
    found = None
    for _, cells in lines[:LOGIN_LINES]:
        for i, cell in enumerate(cells):
            if cell.lower().startswith("account"):
                text = cell if re.search(r"\d", cell) else " ".join(cells[i:])
                match = _LOGIN.search(text)
                if match:
                    found = match.group(1)
                    break
        if found:
            break
    if found and given and found != given:
        raise ImportFileError(f"this {what} is for account {found}, not {given}")
    login = given or found
    if not login:
        raise ImportFileError(f"this {what} names no account: name the account of the import")
    return login


def skip_to_section(
    lines: Iterator[Line], title: str, what: str, layout: Layout | None = None
) -> Iterator[Line]:
    """`lines` after the section's title row.

    With a `layout`, a section whose title we do not know is found by its first row laid out
    as the layout's rows: the non-empty line above it is its header, read as the layout's.
    """
    wanted = title.lower()
    above: Line | None = None
    for line, cells in lines:
        if first_cell(cells).lower().rstrip(":") == wanted:
            return lines
        if layout is not None and layout.is_row(cells) and above is not None:
            return chain([(above[0], layout.header), (line, cells)], lines)
        if any(cells):
            above = (line, cells)
    if layout is None:
        raise ImportFileError(f"not a {what}: no {title!r} section")
    raise ImportFileError(
        f"unknown statement template: no {title!r} section (nor a translation of it we know) "
        f"and no table laid out as one ({', '.join(layout.header)})"
    )


def section_trades(
    lines: Iterator[Line],
    names: dict[str, tuple[str, int]],
    stop_titles: tuple[str, ...],
    login: str,
    ctx: ParseContext,
    layout: Layout | None = None,
) -> Iterator[TradeRow | RowError]:
    """Yield the trades of a positions section (`lines` start after its title); balance,
    pending and comment rows are skipped. With a `layout`, a title we do not know (a row of
    one text cell) ends the section too."""
    header = next((cells for _, cells in lines if any(cells)), None)
    if header is None:
        raise ImportFileError("the positions section has no header")
    cols = column_map(header, names, layout.header if layout else None)
    width = max(cols.values()) + 1
    cols = {**stop_columns(header), **cols}
    for line, cells in lines:
        head = first_cell(cells).lower().rstrip(":")
        if head in stop_titles or head.startswith(("closed p/l", "total")):
            return
        if layout is not None and _is_title(cells):
            return
        side = cells[cols["side"]].strip().lower() if len(cells) > cols["side"] else ""
        if side in BALANCE_TYPES:
            yield balance_row(line, cells, cols, login, side, ctx)
            continue
        if side not in ("buy", "sell"):
            continue  # cancelled pending orders, comment lines
        if len(cells) < width:
            yield RowError(line, "", f"expected {width} columns, found {len(cells)}")
            continue
        try:
            yield _trade(line, cells, cols, login, side, ctx)
        except FieldError as exc:
            yield RowError(line, exc.column, exc.reason)


def layout_header(header: list[str], layout: list[str]) -> list[str] | None:
    """The English header for a translated one of the layout's width (or one cell more)."""
    if len(layout) <= len(header) <= len(layout) + 1:
        return [*layout, *header[len(layout) :]]
    return None


def _is_title(cells: list[str]) -> bool:
    filled = [cell for cell in cells if cell]
    return len(filled) == 1 and not filled[0][0].isdigit()


def balance_row(line, cells, cols, login, kind, ctx: ParseContext) -> BalanceRow | RowError:
    """A deposit/withdrawal/credit row: ticket, time, the amount in the Profit column (the
    last cell: MT4 spans the comment over the columns between), and the comment."""
    try:
        time = parse_time(
            required(cells[cols["open_time"]], "open_time"), MT_TIME_FORMATS, ctx.tz, "time"
        )
        amount = loose_number(required(cells[-1], "profit"), "profit", MONEY)
    except FieldError as exc:
        return RowError(line, exc.column, exc.reason)
    ticket = cells[cols["ticket"]].strip()
    if unstorable(ticket):
        return RowError(line, "ticket", f"ticket {ticket!r} holds a NUL or an unpaired surrogate")
    comment = next((c for c in cells[cols["side"] + 1 : -1] if c and not _is_number(c)), "")
    # The comment is free text kept in the operation's reason: what cannot be stored is dropped.
    return BalanceRow(line, login, ticket, kind, time, amount, storable(comment))


def _is_number(text: str) -> bool:
    try:
        loose_number(text, "", MONEY)
    except FieldError:
        return False
    return True


def _trade(line, cells, cols, login, side, ctx: ParseContext) -> TradeRow:
    tz = ctx.tz

    def money(field: str):
        i = cols.get(field)
        text = cells[i].strip() if i is not None else ""
        return loose_number(text, field, MONEY) if text else loose_number("0", field)

    volume_text = cells[cols["volume"]].split("/")[0].strip()
    close_text = required(cells[cols["close_time"]], "close_time")
    row = TradeRow(
        line=line,
        login=login,
        ticket=required(cells[cols["ticket"]], "ticket"),
        symbol=required(cells[cols["symbol"]], "symbol"),
        side=side,
        volume=loose_number(required(volume_text, "volume"), "volume", VOLUME),
        open_time=parse_time(
            required(cells[cols["open_time"]], "open_time"), MT_TIME_FORMATS, tz, "open_time"
        ),
        open_price=loose_number(cells[cols["open_price"]], "open_price", PRICE),
        close_time=parse_time(close_text, MT_TIME_FORMATS, tz, "close_time"),
        close_price=loose_number(cells[cols["close_price"]], "close_price", PRICE),
        commission=money("commission"),
        swap=money("swap"),
        fees=money("fees"),
        profit=loose_number(required(cells[cols["profit"]], "profit"), "profit", MONEY),
        stop_loss=_stop_price(cells, cols, "stop_loss"),
        take_profit=_stop_price(cells, cols, "take_profit"),
    )
    check_trade(row, ctx)
    return row


def _stop_price(cells: list[str], cols: dict[str, int], field: str):
    """An S/L or T/P cell: None without the column, 0 when empty (none set), else the price."""
    i = cols.get(field)
    if i is None or i >= len(cells):
        return None
    text = cells[i].strip()
    return loose_number(text, field, PRICE) if text else loose_number("0", field, PRICE)
