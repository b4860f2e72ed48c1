"""Rows of visible cell texts from an HTML report (MT4 statements, MT5 reports).

Platform HTML is loose (unclosed `<td>`/`<tr>`), so a new cell or row closes the open one.
Cells hidden by `class="hidden"` or `display:none` are dropped; a visible cell with
`colspan=n` is followed by n-1 empty cells, as a spreadsheet would show it.
"""

from __future__ import annotations

from html.parser import HTMLParser

from .rows import ImportFileError

_MAX_COLSPAN = 64


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._span = 1
        self._hidden = False

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """`<![CDATA[…]]>` and Word's `<![if …]>` as the stdlib reads them; any other `<![…`
        is skipped to the next `>` as a browser does, where the stdlib raises AssertionError."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i, report)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._close_row()
            self._row = []
        elif tag in ("td", "th"):
            self._close_cell()
            if self._row is None:
                self._row = []
            attributes = {name: (value or "") for name, value in attrs}
            classes = attributes.get("class", "").lower().split()
            style = attributes.get("style", "").replace(" ", "").lower()
            self._hidden = "hidden" in classes or "display:none" in style
            try:
                self._span = max(1, min(int(attributes.get("colspan", "1") or 1), _MAX_COLSPAN))
            except ValueError:
                self._span = 1
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag in ("tr", "table"):
            self._close_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _close_cell(self) -> None:
        if self._cell is None:
            return
        if not self._hidden and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._row.extend([""] * (self._span - 1))
        self._cell = None
        self._hidden = False
        self._span = 1

    def _close_row(self) -> None:
        self._close_cell()
        if self._row:
            self.rows.append(self._row)
        self._row = None

    def close(self) -> None:
        super().close()
        self._close_row()


def table_rows(html: str) -> list[list[str]]:
    """Every table row of the document, as lists of visible cell texts."""
    parser = _Rows()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError as exc:  # how html.parser reports markup it cannot read on from
        line, column = parser.getpos()
        raise ImportFileError(f"unreadable HTML on line {line}, column {column}: {exc}") from None
    return parser.rows
