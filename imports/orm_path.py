"""Portable write path (SQLite and any database): the same upsert with the ORM.

Rows are held in memory (fine for platform exports and the embedded demo); existing rows
are read per account in chunks, compared, then `bulk_create` / `bulk_update`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .rows import RowError
from .specs import TableSpec, WriteResult

CHUNK = 900  # stays under SQLite's bound-parameter limit


class OrmWriter:
    """Same contract as `copy_path.CopyWriter`."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.staged = 0
        self._rows: dict[tuple[int, object], list[tuple]] = {}

    def stage(self, rows: Iterable[tuple]) -> None:
        count = 0
        for row in rows:
            self._rows.setdefault((row[1], row[2]), []).append(row)
            count += 1
        self.staged = count

    def resolve_repeats(self, repeated: set[tuple[int, object]]) -> tuple[list[RowError], int]:
        errors: list[RowError] = []
        rejected = 0
        key = self.spec.key_name
        for pair in repeated:
            copies = self._rows[pair]
            if len({row[3:] for row in copies}) > 1:
                listed = ", ".join(str(row[0]) for row in copies)
                errors.extend(
                    RowError(
                        row[0],
                        key,
                        f"duplicate {key} {pair[1]} with different data (lines {listed})",
                    )
                    for row in copies
                )
                rejected += len(copies)
                del self._rows[pair]
            else:
                self._rows[pair] = copies[:1]
        return errors, rejected

    def upsert(self, batch_id: int) -> WriteResult:
        spec = self.spec
        model, key, names = spec.model, spec.key_name, spec.value_names
        by_account: dict[int, dict[object, tuple]] = defaultdict(dict)
        for (account_id, value), copies in self._rows.items():
            by_account[account_id][value] = copies[0][3:]
        to_create, to_update, touched = [], [], set()
        for account_id, incoming in by_account.items():
            keys = list(incoming)
            existing: dict[object, tuple] = {}
            for start in range(0, len(keys), CHUNK):
                found = model.objects.filter(
                    account_id=account_id, **{f"{key}__in": keys[start : start + CHUNK]}
                ).values_list(key, "pk", *names)
                existing.update({row[0]: row[1:] for row in found})
            for value, values in incoming.items():
                fields = dict(zip(names, values, strict=True))
                current = existing.get(value)
                if current is None:
                    to_create.append(
                        model(
                            account_id=account_id,
                            import_batch_id=batch_id,
                            **{key: value},
                            **fields,
                        )
                    )
                    touched.add(account_id)
                elif tuple(current[1:]) != tuple(values):
                    to_update.append(model(pk=current[0], import_batch_id=batch_id, **fields))
                    touched.add(account_id)
        model.objects.bulk_create(to_create, batch_size=CHUNK // 2)
        model.objects.bulk_update(to_update, [*names, "import_batch"], batch_size=CHUNK // 4)
        return WriteResult(
            new=len(to_create), updated=len(to_update), account_ids=tuple(sorted(touched))
        )

    def close(self) -> None:
        self._rows.clear()
