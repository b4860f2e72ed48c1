"""Reading a platform CSV by column name: header lookup and numbered data rows."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import TextIO

from .rows import FieldError, ImportFileError, RowError, TradeRow


class CsvTable:
    """A header (names lower-cased) and an iterator of `(line, cells)` for non-blank lines."""

    def __init__(
        self, stream: TextIO, required: tuple[str, ...], what: str, *, delimiter: str = ","
    ) -> None:
        self._reader = csv.reader(stream, delimiter=delimiter)
        header = next(self._reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(self._reader, None)
        if header is None:
            raise ImportFileError("empty file: there is nothing to import")
        if any("\x00" in cell for cell in header):
            # column names appear in row errors; a NUL is never in a platform's header
            raise ImportFileError(
                f"not a {what}: the header holds a NUL character (a UTF-16 file without a "
                "byte order mark?)"
            )
        self.header = [cell.strip() for cell in header]
        self.index = {name.lower(): i for i, name in enumerate(self.header)}
        missing = [name for name in required if name.lower() not in self.index]
        if missing:
            shown = {",": "comma", ";": "semicolon", "\t": "tab"}.get(delimiter, delimiter)
            raise ImportFileError(
                f"not a {what}: missing column(s) {', '.join(missing)} in the header (read "
                f"as {shown}-separated: {', '.join(self.header[:12])[:200]})"
            )
        self.what = what

    def find(self, prefix: str) -> int | None:
        """Index of the first column whose name starts with `prefix` (case-insensitive)."""
        prefix = prefix.lower()
        return next((i for i, n in enumerate(self.header) if n.lower().startswith(prefix)), None)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        for cells in self._reader:
            if not any(cell.strip() for cell in cells):
                continue
            yield self._reader.line_num, cells

    def width_error(self, cells: list[str]) -> str | None:
        width = len(self.header)
        extra = cells[width:]
        if len(cells) < width or any(cell.strip() for cell in extra):
            return f"expected {width} columns, found {len(cells)}"
        return None

    def parsed_rows(
        self, parse: Callable[[int, list[str]], TradeRow]
    ) -> Iterator[TradeRow | RowError]:
        """Each data row through `parse(line, cells)`: its row, or a `RowError` for a row of the
        wrong width or a `FieldError` raised by `parse`."""
        for line, cells in self.rows():
            problem = self.width_error(cells)
            if problem:
                yield RowError(line, "", problem)
                continue
            try:
                yield parse(line, cells)
            except FieldError as exc:
                yield RowError(line, exc.column, exc.reason)
