"""The audit event of an import: one per ImportBatch, written by the import service when the
batch has its outcome (committed, partial or rejected), in the import's transaction."""

from __future__ import annotations

from accounts.audit import by_whom, record
from accounts.models import AuditAction
from evaluations.models import ImportBatch, ImportStatus

COUNTS = ("rows_total", "rows_new", "rows_updated", "rows_unchanged", "rows_rejected")


def record_import(batch: ImportBatch) -> None:
    """Record who imported what and how it ended; the actor is the batch's `created_by`."""
    rejected = batch.status == ImportStatus.REJECTED
    counts = {field: getattr(batch, field) for field in COUNTS}
    actor = batch.created_by
    source = batch.filename or batch.get_source_display()
    outcome = (
        f"rejected: {batch.errors[0].get('reason', '')}"
        if rejected and batch.errors
        else f"{batch.get_status_display().lower()}, {counts['rows_new']} new, "
        f"{counts['rows_updated']} updated, {counts['rows_unchanged']} unchanged, "
        f"{counts['rows_rejected']} rejected of {counts['rows_total']}"
    )
    record(
        AuditAction.IMPORT_REJECTED if rejected else AuditAction.IMPORT_COMMITTED,
        actor=actor,
        obj=batch,
        summary=f"Import #{batch.pk} of {source} ({batch.format}) {outcome} by {by_whom(actor)}",
        before={},
        after={"status": batch.status, **counts},
        data={
            "status": batch.status,
            "format": batch.format,
            "source": batch.source,
            "filename": batch.filename,
            "sha256": batch.sha256,
            **counts,
            "errors": batch.errors[:5],
        },
    )
