"""Where each kind of imported row is stored: table, key and compared columns.

Both write paths (COPY and ORM) are generic over a `TableSpec`, so trades and snapshots
share one upsert. A staged row is `(line, account_id, key, *values)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from evaluations.models import EquitySnapshot, Trade


@dataclass(frozen=True)
class TableSpec:
    kind: str  # "trades" | "snapshots"
    model: type[models.Model]
    key: tuple[str, str]  # (column, PostgreSQL type) of the per-account key
    values: tuple[tuple[str, str], ...]  # compared and stored columns

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def value_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.values)

    @property
    def key_name(self) -> str:
        return self.key[0]


TRADES = TableSpec(
    kind="trades",
    model=Trade,
    key=("ticket", "text"),
    values=(
        ("symbol", "text"),
        ("side", "text"),
        ("volume", "numeric"),
        ("open_time", "timestamptz"),
        ("open_price", "numeric"),
        ("close_time", "timestamptz"),
        ("close_price", "numeric"),
        ("commission", "numeric"),
        ("swap", "numeric"),
        ("fees", "numeric"),
        ("profit", "numeric"),
        ("stop_loss", "numeric"),
        ("take_profit", "numeric"),
    ),
)

SNAPSHOTS = TableSpec(
    kind="snapshots",
    model=EquitySnapshot,
    key=("time", "timestamptz"),
    values=(("balance", "numeric"), ("equity", "numeric")),
)


@dataclass
class WriteResult:
    new: int = 0
    updated: int = 0
    account_ids: tuple[int, ...] = ()
    new_by_account: dict[int, int] = field(default_factory=dict)
