"""The portable twins of the risk services' PostgreSQL writes (`dialect.use_fast_path()` false).

They take the very rows the fast path COPYs into its staging tables (ints: cents, volume units,
epoch seconds; JSON as text) together with the same column lists (`metrics._ACCOUNT_COLUMNS`,
`metrics._DAY_COLUMNS`, `violations._COLUMNS`), turn each value into what the column's SQL
expression makes of it, and store the same rows through the ORM:

- `upsert` = `INSERT … ON CONFLICT DO UPDATE … WHERE <a value changed>`: stored rows are read
  first; only new or changed rows are written (bulk_create with update_conflicts), so unchanged
  rows keep their `computed_at`, as on PostgreSQL.
- `insert_new` = `INSERT … ON CONFLICT (account, key) DO NOTHING RETURNING …`: the accounts'
  stored keys are read first (under the accounts' locks) and only missing rows are inserted, so
  the caller knows which are new.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from risk.models import Violation, ViolationStatus

from .loading_orm import batches
from .money import from_cents, from_ts, from_volume


def _identity(value: Any) -> Any:
    return value


def _date(value: str | dt.date | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _converter(staged_type: str, expression: str) -> Callable[[Any], Any]:
    """The Python equivalent of a staging column's type and SQL expression (see metrics.py)."""
    if staged_type == "date":
        return _date
    if "/ 100.0" in expression:
        return from_cents
    if "/ 10000.0" in expression:
        return from_volume
    if expression.startswith("to_timestamp"):
        return from_ts
    if expression.endswith("::jsonb"):
        return json.loads
    return _identity


def converted(columns: list[tuple[str, str, str]], rows: Iterable[tuple]) -> list[dict]:
    """Staging rows as model field values, column by column."""
    names = [c for c, _, _ in columns]
    convert = [_converter(staged, expression) for _, staged, expression in columns]
    return [
        dict(zip(names, [f(v) for f, v in zip(convert, row, strict=True)], strict=True))
        for row in rows
    ]


def upsert(
    model: type[models.Model],
    columns: list[tuple[str, str, str]],
    rows: Sequence[tuple],
    unique: tuple[str, ...],
    account_ids: Iterable[int],
    extra: dict[str, Any] | None = None,
) -> dict[tuple, tuple[Any, dict]]:
    """Insert new rows and rewrite changed ones (setting `extra` fields too); leave unchanged
    rows alone. Returns what was stored before for `account_ids`: key -> (pk, values)."""
    extra = extra or {}
    names = [c for c, _, _ in columns]
    wanted = {tuple(v[u] for u in unique): v for v in converted(columns, rows)}
    stored: dict[tuple, tuple[Any, dict]] = {}
    for part in batches(account_ids):
        for values in model.objects.filter(account_id__in=part).values("pk", *names):
            pk = values.pop("pk")
            stored[tuple(values[u] for u in unique)] = (pk, values)
    changed = [
        model(**values, **extra)
        for key, values in wanted.items()
        if key not in stored or stored[key][1] != values
    ]
    if changed:
        model.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=list(unique),
            update_fields=[n for n in names if n not in unique] + list(extra),
        )
    return stored


def insert_new(columns: list[tuple[str, str, str]], rows: Sequence[tuple]) -> list[tuple]:
    """Insert the violations whose (account, key) is not stored yet (rows already deduplicated);
    return (id, account_id, severity, key) of those inserted, in row order."""
    values = converted(columns, rows)
    stored: set[tuple[int, str]] = set()
    for part in batches(v["account_id"] for v in values):
        stored.update(
            Violation.objects.filter(account_id__in=part).values_list("account_id", "key")
        )
    now = timezone.now()
    fresh = [
        Violation(**v, status=ViolationStatus.OPEN, failed_account=False, created_at=now)
        for v in values
        if (v["account_id"], v["key"]) not in stored
    ]
    return [(v.id, v.account_id, v.severity, v.key) for v in Violation.objects.bulk_create(fresh)]
