"""Where a trader is paid: the write paths of a payee (payout destination) change.

A destination changes in one of two ways, never by editing the profile:
  * the trader asks on the portal (after a fresh re-authentication); a confirmation link is
    emailed to their CURRENT address, and only following it makes the change effective
    (`request_trader_change` → `confirm_trader_change`);
  * a staff member asks on the trader's behalf and a second, different person holding
    `payouts.approve_payeechange` (finance, admins) approves it (`request_staff_change` →
    `approve_staff_change`).
Each step writes one audit event (`PAYEE_CHANGE`, with the step and the destination before →
after) and the trader is emailed about it after commit. Once a change is applied, no payout to
the new destination is approved for `settings.PAYEE_COOLING_OFF_HOURS` (`cooling_off_until`,
checked by `services.approve_payout`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.audit import by_whom, record
from accounts.models import AuditAction, TraderProfile, User
from config.celery import enqueue

from . import tasks
from .models import PayeeChange, PayeeChangeSource, PayeeChangeStatus

TOKEN_SALT = "payouts.payee-change"
APPROVE_PAYEE_PERMISSION = "payouts.approve_payeechange"
PROPOSE_PAYEE_PERMISSION = "payouts.add_payeechange"


class PayeeError(Exception):
    """A payee change that cannot happen; the message is shown to the user as is."""


def last_change_at(trader_id: int) -> dt.datetime | None:
    """When the trader's destination last changed (an applied change), else None."""
    return (
        PayeeChange.objects.filter(trader_id=trader_id, status=PayeeChangeStatus.APPLIED)
        .order_by("-applied_at")
        .values_list("applied_at", flat=True)
        .first()
    )


def cooling_off_until(changed_at: dt.datetime | None) -> dt.datetime | None:
    """changed_at + PAYEE_COOLING_OFF_HOURS: before then no payout to it is approved."""
    if changed_at is None:
        return None
    return changed_at + dt.timedelta(hours=settings.PAYEE_COOLING_OFF_HOURS)


def pending_changes(trader: User):
    return PayeeChange.objects.filter(trader=trader, status=PayeeChangeStatus.PENDING)


def make_token(change: PayeeChange) -> str:
    """A signed, timestamped token naming the change and its trader; valid for
    PAYEE_CONFIRMATION_MAX_AGE_HOURS and usable once (the change leaves `pending`)."""
    return signing.dumps({"change": change.pk, "trader": change.trader_id}, salt=TOKEN_SALT)


def _destination(profile: TraderProfile) -> dict:
    return {"payout_method": profile.payout_method, "payout_details": profile.payout_details}


def _audit(change: PayeeChange, step: str, by, before: dict, after: dict) -> None:
    record(
        AuditAction.PAYEE_CHANGE,
        actor=by,
        obj=change,
        summary=f"Payout destination of {change.trader.email} ({change.payout_method}): "
        f"change #{change.pk} {step} by {by_whom(by)}",
        before=before,
        after=after,
        data={"step": step, "source": change.source, "trader_id": change.trader_id},
    )


def _notify(change: PayeeChange, step: str) -> None:
    change_id = change.pk
    transaction.on_commit(lambda: enqueue(tasks.send_payee_email, change_id, step))


def _new_change(trader: User, *, method: str, details: str, by, source: str) -> PayeeChange:
    profile = TraderProfile.objects.select_for_update().get(user=trader)
    # One pending change at a time: a new request replaces the ones not yet confirmed.
    pending_changes(trader).filter(source=source).update(status=PayeeChangeStatus.CANCELLED)
    return PayeeChange.objects.create(
        trader=trader,
        source=source,
        payout_method=method,
        payout_details=details,
        previous_method=profile.payout_method,
        previous_details=profile.payout_details,
        requested_by=by,
    )


def _apply(change: PayeeChange, *, by, step: str) -> PayeeChange:
    """Make a pending change effective: the profile changes, the change is stamped, audited
    (the destination before → after) and the trader told."""
    profile = TraderProfile.objects.select_for_update().get(user_id=change.trader_id)
    before = _destination(profile)
    profile.payout_method = change.payout_method
    profile.payout_details = change.payout_details
    profile._history_user = by
    profile.save(update_fields=["payout_method", "payout_details"])
    change.status = PayeeChangeStatus.APPLIED
    change.applied_by = by
    change.applied_at = timezone.now()
    change.save(update_fields=["status", "applied_by", "applied_at"])
    _audit(change, step, by, before, _destination(profile))
    _notify(change, step)
    return change


@transaction.atomic
def request_trader_change(trader: User, *, method: str, details: str, by) -> PayeeChange:
    """The trader asks to be paid elsewhere; nothing changes until they follow the link
    emailed to their current address (`confirm_trader_change`). The caller has validated
    `details` for `method` (payouts.forms.PayeeDestinationForm)."""
    if by.pk != trader.pk:
        raise PermissionDenied("Only the trader changes their own payout destination here.")
    change = _new_change(trader, method=method, details=details, by=by, source="trader")
    _audit(
        change,
        "requested",
        by,
        {"payout_method": change.previous_method, "payout_details": change.previous_details},
        {"payout_method": method, "payout_details": details},
    )
    _notify(change, "requested")
    return change


def confirm_trader_change(token: str, *, by) -> PayeeChange:
    """The trader followed the emailed link: the change takes effect (once; an expired,
    forged, used or someone else's link is refused)."""
    max_age = dt.timedelta(hours=settings.PAYEE_CONFIRMATION_MAX_AGE_HOURS)
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise PayeeError("This confirmation link has expired: ask for the change again.") from exc
    except signing.BadSignature as exc:
        raise PayeeError("This confirmation link is not valid.") from exc
    if payload.get("trader") != by.pk:
        raise PayeeError("This confirmation link is not valid.")
    with transaction.atomic():
        change = (
            PayeeChange.objects.select_for_update()
            .select_related("trader")
            .filter(pk=payload.get("change"), trader=by, source=PayeeChangeSource.TRADER)
            .first()
        )
        if change is None or change.status != PayeeChangeStatus.PENDING:
            raise PayeeError("This confirmation link was already used or replaced.")
        return _apply(change, by=by, step="confirmed")


@transaction.atomic
def request_staff_change(trader: User, *, method: str, details: str, by) -> PayeeChange:
    """A staff member asks to change a trader's destination (e.g. after a verified call); a
    second, different person approves it (`approve_staff_change`). The trader is told."""
    if not by.has_perm(PROPOSE_PAYEE_PERMISSION):
        raise PermissionDenied("Only finance or admins propose a change of payout destination.")
    if by.pk == trader.pk:
        raise PermissionDenied("Change your own destination on the portal.")
    change = _new_change(trader, method=method, details=details, by=by, source="staff")
    _audit(
        change,
        "requested",
        by,
        {"payout_method": change.previous_method, "payout_details": change.previous_details},
        {"payout_method": method, "payout_details": details},
    )
    _notify(change, "staff_requested")
    return change


def approve_staff_change(change: PayeeChange | int, *, by) -> PayeeChange:
    """The second person approves a staff change: it takes effect. Never the person who asked,
    never the trader."""
    change_id = change.pk if isinstance(change, PayeeChange) else change
    with transaction.atomic():
        change = PayeeChange.objects.select_for_update().select_related("trader").get(pk=change_id)
        if not by.has_perm(APPROVE_PAYEE_PERMISSION):
            raise PermissionDenied("Only finance or admins approve a change of payout destination.")
        if change.source != PayeeChangeSource.STAFF:
            raise PayeeError("A trader's own change is confirmed by the trader, not approved.")
        if by.pk in (change.requested_by_id, change.trader_id):
            raise PermissionDenied("A second person approves a staff change, not its requester.")
        if change.status != PayeeChangeStatus.PENDING:
            raise PayeeError(f"Payee change #{change.pk} is {change.get_status_display().lower()}.")
        return _apply(change, by=by, step="approved")
