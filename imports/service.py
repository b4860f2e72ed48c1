"""The one write path for trades and equity snapshots: file, admin upload and API all land here.

    import_file(file, …)        -> ImportBatch   (CLI; a worker for an admin upload)
    import_items(kind, items, …) -> ImportBatch  (bridge API)
    queue_upload(file, …)       -> ImportBatch   (admin upload: stored, "queued" for a worker)
    run_queued_import(batch_id) -> ImportBatch | None   (the worker's task)

Every call records an ImportBatch: who, when, source, format, counts and the error report.
Counts: rows_total = new + updated + unchanged + rejected. The key is (account, ticket) for
trades and (account, time) for snapshots, so importing the same data again changes nothing
(all rows unchanged). Without `partial`, one bad row rejects the whole import and nothing
is written; with it, good rows commit and bad ones are reported. After commit, accounts with
new or updated rows are queued for recompute (`evaluations.hooks.enqueue_recompute`). Each
batch writes one audit event with its outcome (imports/audit.py). Concurrent imports of one
account merge one after the other (imports/locks.py), so each report is true of what it did.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from config.celery import enqueue
from evaluations.account_names import account_ids_by_name
from evaluations.hooks import enqueue_recompute, enqueue_trades_arrived
from evaluations.models import ImportBatch, ImportSource, ImportStatus, TradingAccount

from . import items as item_parsers
from .audit import record_import
from .balance_rows import balance_rows_note, import_balance_rows
from .client_ips import record_client_ips
from .copy_path import CopyWriter
from .detect import sniff
from .parsers import parsed_rows
from .rows import BalanceRow, ImportFileError, ParseContext, RowError, before_start, unknown_account
from .specs import SNAPSHOTS, TRADES, TableSpec
from .values import UTC, zone
from .zones import PER_ACCOUNT, AccountZones

BROKER_TZ_LENGTH = ImportBatch._meta.get_field("broker_tz").max_length

MAX_STORED_ERRORS = 1000
# Formats whose rows (or header) name their account: read in that account's zone.
PER_ACCOUNT_ZONE_FORMATS = ("mt4", "mt5", "ninjatrader")


def import_file(
    file: BinaryIO | str | Path,
    *,
    fmt: str = "auto",
    account: TradingAccount | None = None,
    broker_tz: str = "",
    partial: bool = False,
    source: str = ImportSource.CLI,
    user=None,
    filename: str = "",
    batch: ImportBatch | None = None,
    date_order: str = "auto",
    skip_other_accounts: bool = False,
    balance_rows: bool = False,
) -> ImportBatch:
    """Import a platform export or canonical CSV; never raises for bad input (see the batch).

    Rows go to the accounts the file names (a login or an alias). With `account`, rows naming
    another account are refused, or skipped and counted in `batch.skipped` with
    `skip_other_accounts`. `date_order` ("dmy"/"mdy") settles a file whose dates are ambiguous.

    Uploads (admin, API) larger than settings.IMPORT_MAX_UPLOAD_BYTES are refused unread.
    With `batch` (a saved, queued upload), the outcome is written into that row instead of a
    new one; the other arguments must then be the batch's own (see `run_queued_import`).

    `broker_tz` empty: the account's server zone, else UTC with a warning (`file_zone`).
    `balance_rows`: a statement's deposit/withdrawal/credit rows become balance operations.
    """
    started = time.perf_counter()
    own_row = batch is not None
    if batch is None:
        batch = ImportBatch(
            source=source,
            format=fmt,
            # cut to the columns' lengths: the batch is saved even when these are nonsense
            filename=(filename or (str(file) if isinstance(file, str | Path) else ""))[-255:],
            created_by=user,
            account=account,
            broker_tz=broker_tz[:BROKER_TZ_LENGTH],
            partial=partial,
            date_order=date_order,
            skip_other_accounts=skip_other_accounts,
            balance_rows=balance_rows,
        )
    try:
        with _binary(file) as raw:
            size, batch.sha256 = _digest(raw)
            limit = settings.IMPORT_MAX_UPLOAD_BYTES
            if source != ImportSource.CLI and size > limit:
                raise ImportFileError(
                    f"file too large: {size:,} bytes, the upload limit is {limit:,} bytes"
                )
            zone_name, batch.warnings = file_zone(broker_tz, account)
            # the batch is saved even when it is nonsense
            batch.broker_tz = zone_name[:BROKER_TZ_LENGTH]
            ctx_tz = zone(zone_name)
            sniffed = sniff(raw, fmt)
            batch.format, batch.encoding = sniffed.format, sniffed.encoding
            zones = None
            if not broker_tz and account is None and sniffed.format in PER_ACCOUNT_ZONE_FORMATS:
                zones = _account_zones()
                batch.warnings = []  # each account read as UTC is named once it is read
            if sniffed.detected:
                batch.warnings.append(
                    f"no encoding declared: read as {sniffed.encoding}, detected from the bytes"
                )
            ctx = ParseContext(
                ctx_tz,
                account.login if account else None,
                sniffed.encoding,
                date_order,
                _report_currencies(account) if sniffed.format in ("mt4", "mt5") else None,
                zones=zones,
            )
            spec = SNAPSHOTS if sniffed.format == "snapshots" else TRADES
            with parsed_rows(raw, sniffed.format, ctx) as rows:
                return _run(batch, spec, rows, account, started, zones)
    except ImportFileError as exc:
        return _reject_file(batch, str(exc), started, own_row=own_row)


def file_zone(given: str, account: TradingAccount | None) -> tuple[str, list[str]]:
    """(zone name, warnings): the zone a file's times without an offset are read in.

    No platform file states its zone (MT: the broker server's, NinjaTrader: the PC's), so it
    is the one given for this import, else the account's server zone, else UTC with a warning.
    Without either, a file whose rows name their accounts is read account by account
    (`_account_zones`); this is then only the zone of a file refused before any row is read.
    """
    if given:
        return given, []
    if account is not None and account.server_tz:
        return account.server_tz, []
    whose = f"account {account.login} has" if account is not None else "the import names"
    return "UTC", [
        f"times read as UTC: {whose} no server time zone (set it on the account, or choose "
        "the zone of the import)"
    ]


def _account_zones() -> AccountZones:
    """The server zone of every account, by each of its names (login, aliases)."""
    accounts = {
        pk: (login, server_tz)
        for pk, login, server_tz in TradingAccount.objects.values_list("pk", "login", "server_tz")
    }
    return AccountZones({name: accounts[pk] for name, pk in account_ids_by_name().items()})


def _report_currencies(account: TradingAccount | None) -> dict[str, str]:
    """login or alias -> currency, for the accounts an MT report may be for."""
    if account is None:
        currency = dict(TradingAccount.objects.values_list("pk", "currency"))
    else:
        currency = {account.pk: account.currency}
    return {name: currency[pk] for name, pk in account_ids_by_name(account).items()}


def import_items(
    kind: str, items: list, *, user=None, partial: bool = False, source: str = ImportSource.API
) -> ImportBatch:
    """Import a bridge's JSON batch (`kind` = "trades" or "snapshots"); errors name item indexes."""
    started = time.perf_counter()
    spec = SNAPSHOTS if kind == "snapshots" else TRADES
    batch = ImportBatch(source=source, format=f"json-{spec.kind}", created_by=user, partial=partial)
    parse = item_parsers.snapshot_rows if kind == "snapshots" else item_parsers.trade_rows
    rows = parse(items, ParseContext(UTC))  # naive times are UTC; the window is read here
    try:
        # One transaction with the client IPs, so the abuse scan queued on commit sees them.
        with transaction.atomic():
            batch = _run(batch, spec, rows, None, started)
            if spec is TRADES and batch.status != ImportStatus.REJECTED:
                record_client_ips(items)  # beside the trades, for the abuse detectors
    except ImportFileError as exc:
        return _reject_file(batch, str(exc), started)
    return batch


def queue_upload(
    uploaded: UploadedFile,
    *,
    fmt: str = "auto",
    account: TradingAccount | None = None,
    broker_tz: str = "",
    partial: bool = False,
    user=None,
    date_order: str = "auto",
    skip_other_accounts: bool = False,
    balance_rows: bool = False,
) -> ImportBatch:
    """Store an admin upload and queue its import for a worker; the batch starts "queued".

    The file is saved under MEDIA_ROOT (`ImportBatch.upload`) and `imports.tasks.run_upload` is
    queued once the batch is committed. A file over IMPORT_MAX_UPLOAD_BYTES is neither stored
    nor queued: it is refused at once, unread, by `import_file` (a rejected batch).
    """
    if uploaded.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        return import_file(
            uploaded,
            fmt=fmt,
            account=account,
            broker_tz=broker_tz,
            partial=partial,
            source=ImportSource.ADMIN,
            user=user,
            filename=uploaded.name,
            date_order=date_order,
            skip_other_accounts=skip_other_accounts,
            balance_rows=balance_rows,
        )
    from . import tasks  # the task module imports this one

    batch = ImportBatch(
        source=ImportSource.ADMIN,
        format=fmt[:16],
        filename=(uploaded.name or "")[-255:],
        created_by=user,
        account=account,
        broker_tz=broker_tz[:BROKER_TZ_LENGTH],
        partial=partial,
        date_order=date_order,
        skip_other_accounts=skip_other_accounts,
        balance_rows=balance_rows,
        status=ImportStatus.QUEUED,
    )
    with transaction.atomic():
        batch.upload.save(uploaded.name or "upload", uploaded, save=False)
        batch.save()
        batch_id = batch.pk
        transaction.on_commit(lambda: enqueue(tasks.run_upload, batch_id))
    return batch


def run_queued_import(batch_id: int) -> ImportBatch | None:
    """Import a queued upload into its own batch row, then delete the stored file.

    Safe to run twice: a batch that has its outcome is left alone (None), and so is one another
    worker holds (its row is locked for the whole import). A batch left "running" by a worker
    that died is imported again from the start: rows are keyed by account and ticket (or time),
    so nothing is written twice and the rolled-back first attempt left nothing behind.
    """
    unfinished = (ImportStatus.QUEUED, ImportStatus.RUNNING)
    with transaction.atomic():  # committed at once, so the result page shows "running"
        batch = _lock_batch(batch_id, unfinished)
        if batch is None:
            return None
        batch.status = ImportStatus.RUNNING
        batch.save(update_fields=["status"])
    with transaction.atomic():
        batch = _lock_batch(batch_id, (ImportStatus.RUNNING,))
        if batch is None:
            return None
        try:
            handle = batch.upload.open("rb")
        except (OSError, ValueError):  # ValueError: no file stored with the batch
            batch = _reject_file(
                batch,
                "the uploaded file is no longer stored; upload it again",
                time.perf_counter(),
                own_row=True,
            )
        else:
            with handle:
                batch = import_file(
                    handle,
                    fmt=batch.format,
                    account=batch.account,
                    broker_tz=batch.broker_tz,
                    partial=batch.partial,
                    source=batch.source,
                    user=batch.created_by,
                    filename=batch.filename,
                    batch=batch,
                    date_order=batch.date_order,
                    skip_other_accounts=batch.skip_other_accounts,
                    balance_rows=batch.balance_rows,
                )
    # After the commit: a worker that dies before this line leaves a file nobody reads again.
    if batch.upload:
        batch.upload.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(upload="")
    return batch


def _lock_batch(batch_id: int, statuses: tuple) -> ImportBatch | None:
    """The batch, locked until the transaction ends, if it is in `statuses` and no other
    worker holds it."""
    return (
        ImportBatch.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("account", "created_by")
        .filter(pk=batch_id, status__in=statuses)
        .first()
    )


def _run(
    batch, spec: TableSpec, rows: Iterable, account, started: float, zones=None
) -> ImportBatch:
    with transaction.atomic():
        batch.status = ImportStatus.REJECTED
        batch.save()
        writer = CopyWriter(spec)
        errors: list[RowError] = []
        repeated: set = set()
        # Resolve logins before COPY starts: no other query may run during a COPY.
        accounts = account_ids_by_name(account)
        routing = _Routing(account, accounts, batch.skip_other_accounts)
        starts = _account_starts(account, accounts)
        balance: list[BalanceRow] = []
        # A text file that stops decoding part-way raises here; `parsers.parsed_rows` turns
        # that into the file error naming the line.
        staged_text = getattr(rows, "staged_text", None)
        if staged_text is not None:
            # Canonical CSV: rows go to COPY as text, no per-row objects.
            writer.stage_text(staged_text(accounts, errors, repeated, starts))
        else:
            writer.stage(_staged(rows, routing, errors, repeated, starts, balance))
        if zones is not None:  # the rows are read: the zones they were read in are known
            batch.broker_tz = zones.stated(BROKER_TZ_LENGTH)
            batch.warnings[:0] = zones.warnings()
        batch.skipped = dict(routing.skipped)
        parse_rejected = len(errors)
        if writer.staged + parse_rejected == 0 and not balance:
            raise ImportFileError(f"no {spec.kind} found in the file{routing.skipped_text()}")
        duplicate_errors, duplicate_rejected = writer.resolve_repeats(repeated)
        errors.extend(duplicate_errors)
        errors.sort(key=lambda error: error.line)
        batch.rows_total = writer.staged + parse_rejected
        batch.rows_rejected = parse_rejected + duplicate_rejected
        if errors and (not batch.partial or batch.rows_rejected == batch.rows_total):
            batch.status = ImportStatus.REJECTED
        else:
            result = writer.upsert(batch.pk)
            batch.rows_new, batch.rows_updated = result.new, result.updated
            batch.rows_unchanged = writer.staged - duplicate_rejected - result.new - result.updated
            batch.status = ImportStatus.PARTIAL if errors else ImportStatus.COMMITTED
            enqueue_recompute(result.account_ids)
            if spec is TRADES:  # the abuse scan of the new trades' window
                enqueue_trades_arrived(batch.pk, result.account_ids)
            batch.accounts = _account_totals(writer.staged_by_account(), result.new_by_account)
        if balance:
            added = None
            if batch.balance_rows and batch.status != ImportStatus.REJECTED:
                added = import_balance_rows(balance, accounts, by=batch.created_by)
            batch.warnings.append(balance_rows_note(balance, added))
        writer.close()
        batch.errors = _stored_errors(errors, batch.source)
        batch.duration_ms = _elapsed_ms(started)
        batch.save()
        record_import(batch)
    return batch


class _Routing:
    """Which account a row's name goes to: any account's login or alias, or, with one account
    given, only its own (other accounts' rows are refused, or skipped and counted)."""

    def __init__(self, account: TradingAccount | None, ids: dict[str, int], skip: bool) -> None:
        self.account, self.ids, self.skip = account, ids, skip
        self.skipped: Counter = Counter()

    def account_id(self, row, errors: list) -> int | None:
        account_id = self.ids.get(row.login)
        if account_id is not None:
            return account_id
        if self.account is None:
            errors.append(unknown_account(row.line, row.login))
        elif self.skip:
            self.skipped[row.login] += 1
        else:
            errors.append(
                RowError(
                    row.line,
                    "account",
                    f"a row of account {row.login!r}, not of {self.account.login!r} (the "
                    "account imported); import without an account to route rows to the "
                    "accounts the file names, or skip other accounts' rows",
                )
            )
        return None

    def skipped_text(self) -> str:
        if not self.skipped:
            return ""
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(self.skipped.items()))
        return f" for {self.account.login}; skipped {self.skipped.total()} row(s) of {listed}"


def _staged(
    rows: Iterable,
    routing: _Routing,
    errors: list,
    repeated: set,
    starts: dict[int, object],
    balance: list,
) -> Iterator:
    """Turn parsed rows into staged tuples; collect errors, keys seen more than once, and
    balance rows (never staged as trades)."""
    seen: set = set()
    for row in rows:
        if isinstance(row, RowError):
            errors.append(row)
            continue
        if isinstance(row, BalanceRow):
            balance.append(row)
            continue
        account_id = routing.account_id(row, errors)
        if account_id is None:
            continue
        opened = getattr(row, "open_time", None)
        if opened is not None and opened < starts[account_id]:
            errors.append(before_start(row.line, opened, starts[account_id]))
            continue
        key = (account_id, row.key())
        if key in seen:
            repeated.add(key)
        else:
            seen.add(key)
        yield (row.line, account_id, key[1], *row.values())


def _account_totals(staged: dict, new_by_account: dict[int, int]) -> dict[str, dict]:
    """login -> {"rows", "new", "net"} of the committed import (net as text, for trades)."""
    logins = dict(TradingAccount.objects.filter(pk__in=staged).values_list("pk", "login"))
    totals = {}
    for account_id, (rows, net) in sorted(staged.items(), key=lambda item: logins[item[0]]):
        figures = {"rows": rows, "new": new_by_account.get(account_id, 0)}
        if net is not None:
            figures["net"] = str(net)
        totals[logins[account_id]] = figures
    return totals


def _account_starts(account: TradingAccount | None, accounts: dict[str, int]) -> dict:
    """account id -> started_at: no trade may open before its account started."""
    if account is not None:
        return {account.pk: account.started_at}
    return dict(TradingAccount.objects.values_list("pk", "started_at"))


def _stored_errors(errors: list[RowError], source: str) -> list[dict]:
    where = "item" if source == ImportSource.API else "line"
    stored = [
        {where: e.line, "column": e.column, "reason": e.reason} for e in errors[:MAX_STORED_ERRORS]
    ]
    if len(errors) > MAX_STORED_ERRORS:
        more = len(errors) - MAX_STORED_ERRORS
        stored.append({where: None, "column": "", "reason": f"… and {more} more"})
    return stored


def _reject_file(
    batch: ImportBatch, reason: str, started: float, *, own_row: bool = False
) -> ImportBatch:
    if not own_row:
        # `_run`'s insert was rolled back: save a new row. A queued upload keeps its own row.
        batch.pk = None
        batch._state.adding = True
    batch.status = ImportStatus.REJECTED
    batch.rows_total = batch.rows_new = batch.rows_updated = batch.rows_unchanged = 0
    batch.rows_rejected = 0
    where = "item" if batch.source == ImportSource.API else "line"
    batch.errors = [{where: None, "column": "", "reason": reason}]
    batch.duration_ms = _elapsed_ms(started)
    with transaction.atomic():
        batch.save()
        record_import(batch)
    return batch


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


@contextmanager
def _binary(file) -> Iterator[BinaryIO]:
    if isinstance(file, str | Path):
        try:
            handle = open(file, "rb")  # noqa: SIM115
        except OSError as exc:
            raise ImportFileError(f"cannot read {file}: {exc.strerror}") from None
        with handle:
            yield handle
        return
    inner = getattr(file, "file", file)  # Django's UploadedFile wraps the real file
    yield getattr(inner, "file", inner)


def _digest(raw: BinaryIO) -> tuple[int, str]:
    raw.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := raw.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    raw.seek(0)
    return size, digest.hexdigest()


def report_text(batch: ImportBatch) -> str:
    """What a person reads after an import: the outcome, then how the file was read (zone,
    encoding) and the warnings."""
    # a bridge's items carry their offsets (naive ones are UTC): no zone to state
    zones = batch.broker_tz
    read_as = (
        []
        if batch.source == ImportSource.API
        else [f"Times read {'' if zones.startswith(PER_ACCOUNT) else 'as '}{zones}."]
    )
    if batch.encoding and batch.encoding not in ("utf-8-sig", "utf-8"):
        read_as.append(f"Encoding: {batch.encoding}.")
    return " ".join([_outcome(batch), *read_as, *(f"Note: {w}." for w in batch.warnings)])


def _outcome(batch: ImportBatch) -> str:
    if batch.status == ImportStatus.REJECTED and batch.rows_total == 0:
        reason = batch.errors[0]["reason"] if batch.errors else "unreadable file"
        return f"Rejected: {reason}. Nothing was written."
    if batch.status == ImportStatus.REJECTED:
        return (
            f"Rejected: {batch.rows_rejected} bad row(s) of {batch.rows_total}; nothing was "
            "written. Fix them, or import with partial to commit the good rows."
        )
    if batch.rows_new == batch.rows_updated == batch.rows_rejected == 0:
        return (
            f"No changes: all {batch.rows_unchanged} row(s) were already imported.{_skips(batch)}"
        )
    return (
        f"Imported {batch.rows_total} row(s): {batch.rows_new} new, {batch.rows_updated} "
        f"updated, {batch.rows_unchanged} unchanged, {batch.rows_rejected} rejected."
        f"{_skips(batch)}"
    )


def _skips(batch: ImportBatch) -> str:
    if not batch.skipped:
        return ""
    listed = ", ".join(f"{name} ({n})" for name, n in sorted(batch.skipped.items()))
    return f" Skipped {sum(batch.skipped.values())} row(s) of other accounts: {listed}."


def account_lines(batch: ImportBatch) -> list[str]:
    """One line per account of the import: rows, new, net (for the CLI and the admin)."""
    return [
        f"{login}: {f['rows']} row(s), {f['new']} new" + (f", net {f['net']}" if "net" in f else "")
        for login, f in batch.accounts.items()
    ]
