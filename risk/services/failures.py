"""Accounts the engine could not evaluate: recorded, shown to staff, alerted once.

A full recompute, a day rollover or a bridge push evaluates many accounts; one account whose
data the database refuses to store (a `DataError`, an `IntegrityError`, an arithmetic error in
the engine) must not stop the others (security finding 3). `risk.services.evaluation` retries a
failed chunk account by account and hands each permanent failure here. Transient errors (the
database or its connection going away: `OperationalError`, `InterfaceError`) are not recorded:
they propagate so the Celery task retries with backoff.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from risk.models import EvaluationFailure

MESSAGE_LIMIT = 2000


def record_failure(account_id: int, error: BaseException) -> EvaluationFailure | None:
    """Upsert the account's failure in its own transaction; the row when the account newly
    fails (the risk desk is to be alerted), None when it was already failing. Returns None for
    an account that no longer exists."""
    now = timezone.now()
    error_type = type(error).__name__
    message = (str(error) or error_type)[:MESSAGE_LIMIT]
    try:
        with transaction.atomic():
            failure, created = EvaluationFailure.objects.select_for_update().get_or_create(
                account_id=account_id,
                defaults={
                    "error_type": error_type,
                    "message": message,
                    "first_failed_at": now,
                    "last_failed_at": now,
                },
            )
            if created:
                return failure
            reopened = failure.resolved_at is not None
            failure.error_type, failure.message, failure.last_failed_at = (
                error_type,
                message,
                now,
            )
            failure.attempts = 1 if reopened else failure.attempts + 1
            if reopened:
                failure.first_failed_at, failure.resolved_at, failure.alerted_at = now, None, None
            failure.save()
            return failure if reopened else None
    except IntegrityError:  # the account was deleted meanwhile
        return None


def resolve_failures(account_ids: Iterable[int]) -> int:
    """Mark the failures of these (now evaluated) accounts resolved; how many were open."""
    return EvaluationFailure.objects.filter(
        account_id__in=list(account_ids), resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


def open_failures():
    """What staff see: the accounts currently failing, most recent first."""
    return (
        EvaluationFailure.objects.filter(resolved_at__isnull=True)
        .select_related("account")
        .order_by("-last_failed_at")
    )
