"""The write paths of payouts: request, approve, reject, cancel, mark paid, export.

Each is the ONE place its action happens; portal views, the finance queue, admin actions and
tests all call these. Every transition:
  1. locks the request row (`SELECT … FOR UPDATE`) and re-reads it, so concurrent clicks queue
     up and all but the first find the request already moved on;
  2. checks the business rules (four-eyes, permissions, the account is still payable);
  3. runs the django-fsm transition, saves, and writes, in the same transaction, the step's
     `PayoutTransition` (the payout's own timeline, shown to the trader and finance, and the
     email outbox: the database allows each step once per request) and its one audit event
     (accounts.audit: the actor, status before → after; the firm-wide "who did what");
  4. enqueues emails and the risk recompute (through evaluations.hooks) with
     `transaction.on_commit`, so nothing is sent for a transition that rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import has_transition_perm

from abuse import selectors as abuse_selectors
from accounts.audit import by_whom, record
from accounts.models import AuditAction
from config.celery import enqueue
from config.csv_export import csv_text
from evaluations.hooks import enqueue_recompute
from evaluations.models import (
    AccountStatus,
    BalanceOperation,
    BalanceOperationKind,
    BalanceOperationStatus,
    TradingAccount,
)
from evaluations.services.certificates import issue_payout_certificate
from evaluations.services.scaling import apply_scaling_plan

from . import payee, tasks
from .eligibility import ZERO, Eligibility, to_cents_down, trader_share
from .models import (
    EXPORT_PERMISSION,
    PAY_PERMISSION,
    PayoutAction,
    PayoutRequest,
    PayoutStatus,
    PayoutTransition,
    is_finance_approver,
)
from .selectors import account_eligibility, account_profit, open_hard_violation_codes


class PayoutError(Exception):
    """A payout action that cannot happen; the message is shown to the user as is."""


class NotEligible(PayoutError):
    def __init__(self, eligibility: Eligibility) -> None:
        self.eligibility = eligibility
        super().__init__("Not eligible for a payout: " + "; ".join(eligibility.reasons))


# ---------------------------------------------------------------------------------------------
# helpers


def _lock(payout: PayoutRequest | int) -> PayoutRequest:
    """Lock the request row for this transaction and return a fresh copy of it."""
    payout_id = payout.pk if isinstance(payout, PayoutRequest) else payout
    return (
        PayoutRequest.objects.select_for_update(of=("self",))
        .select_related("account", "account__phase", "requested_by")
        .get(pk=payout_id)
    )


AUDITED_FIELDS = (
    "status",
    "amount",
    "trader_share",
    "first_approved_by_id",
    "approved_by_id",
    "payment_reference",
)


def _audited_state(payout: PayoutRequest) -> dict:
    return {name: getattr(payout, name) for name in AUDITED_FIELDS}


def _audit(
    payout: PayoutRequest,
    action: str,
    before: dict,
    by,
    at,
    note: str = "",
    data: dict | None = None,
) -> PayoutTransition:
    """Save the payout, its transition row and its one audit event (before → after)."""
    payout._history_user = by
    payout._change_reason = f"{action}: {note}"[:100] if note else action
    payout.save()
    from_status = before.get("status", "")
    transition = PayoutTransition.objects.create(
        payout=payout,
        action=action,
        from_status=from_status,
        to_status=payout.status,
        by=by,
        at=at,
        note=note,
    )
    after = _audited_state(payout)
    changed = [name for name in after if before.get(name) != after[name]]
    steps = (
        f"{from_status} → {payout.status}"
        if from_status
        else f"requested {payout.amount} {payout.currency}"
    )
    reason = f" ({note})" if note else ""
    record(
        AuditAction.PAYOUT_TRANSITION,
        actor=by,
        obj=payout,
        summary=f"Payout #{payout.pk}: {steps}{reason} by {by_whom(by)}"
        if action != PayoutAction.FIRST_APPROVAL
        else f"Payout #{payout.pk}: first approval (1 of 2){reason} by {by_whom(by)}",
        before={name: before[name] for name in changed if name in before},
        after={name: after[name] for name in changed},
        data={
            "transition": action,
            "from": from_status,
            "to": payout.status,
            "reason": note,
            "account_id": payout.account_id,
            **(data or {}),
        },
    )
    if action in tasks.NOTIFIED_ACTIONS:
        transition_id = transition.pk
        transaction.on_commit(lambda: enqueue(tasks.send_payout_email, transition_id))
    return transition


def _assert_still_payable(payout: PayoutRequest) -> None:
    """Between request and payment the trader keeps trading: refuse to approve or pay an
    account that is no longer funded, has an open hard violation, or no longer holds the
    requested profit (a withdrawal would take it below B0)."""
    account = payout.account
    if account.status != AccountStatus.FUNDED:
        raise PayoutError(
            f"Account {account.login} is {account.get_status_display().lower()}, "
            "no longer funded: reject the request."
        )
    violations = open_hard_violation_codes(account)
    if violations:
        raise PayoutError(
            f"Account {account.login} has an open hard violation ({', '.join(violations)}): "
            "resolve it or reject the request."
        )
    held = abuse_selectors.open_case_ids(account) + abuse_selectors.payout_denying_case_ids(account)
    if held:
        raise PayoutError(
            f"Account {account.login} is held by abuse case "
            f"{', '.join(f'#{pk}' for pk in held)}: decide the case or reject the request."
        )
    profit = account_profit(account)
    if profit < payout.amount:
        raise PayoutError(
            f"The account's profit is now {profit} {payout.currency}, below the requested "
            f"{payout.amount}: reject the request and let the trader ask again."
        )


def _assert_payee_settled(payout: PayoutRequest) -> None:
    """Cooling-off: no payout to a destination changed less than PAYEE_COOLING_OFF_HOURS ago
    is approved (payouts.payee), so a hijacked account cannot redirect money before the
    trader, emailed at every change, can react."""
    if payout.payee_in_cooling_off:
        until = timezone.localtime(payout.payee_cooling_off_until, dt.UTC)
        raise PayoutError(
            f"The trader's payout destination changed on "
            f"{timezone.localtime(payout.payee_changed_at, dt.UTC):%Y-%m-%d %H:%M} UTC: "
            f"payouts to it can be approved from {until:%Y-%m-%d %H:%M} UTC (cooling-off)."
        )


def parse_amount(value: str | Decimal | None) -> Decimal | None:
    """A money amount typed by a person, quantized down to the cent; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise PayoutError(f"{value!r} is not an amount") from exc
    if not amount.is_finite():
        raise PayoutError(f"{value!r} is not an amount")
    return to_cents_down(amount)


def needs_second_approver(payout: PayoutRequest) -> bool:
    """Above the firm's threshold (what the trader receives, in the account currency), two
    distinct finance approvers are needed."""
    return payout.trader_share > settings.PAYOUT_SECOND_APPROVER_THRESHOLD


def approver_may_pay(payout: PayoutRequest, by) -> bool:
    """The firm's choice (settings.PAYOUT_APPROVER_MAY_PAY, default no): whether someone who
    approved the payout (first or final approval) may also mark it paid."""
    if settings.PAYOUT_APPROVER_MAY_PAY:
        return True
    return by.pk not in (payout.approved_by_id, payout.first_approved_by_id)


# ---------------------------------------------------------------------------------------------
# the write paths


def request_payout(
    account: TradingAccount, *, by, amount: Decimal | str | None = None
) -> PayoutRequest:
    """The trader asks to be paid from a funded account.

    amount (gross profit withdrawn) defaults to all of the eligible amount; it must satisfy
    0 < amount ≤ eligible_amount (= profit = balance − B0). The trader receives
    trader_share = ⌊amount × split / 100⌋ to the cent. Raises NotEligible with every reason
    when PRODUCT.md §3's conditions are not met. Finance is emailed after commit.
    """
    if by.pk != account.trader_id:
        raise PermissionDenied("Only the account's trader can request its payout.")
    requested = parse_amount(amount)
    with transaction.atomic():
        # Serialises requests on one account; the partial unique index is the backstop.
        account = (
            TradingAccount.objects.select_for_update(of=("self",))
            .select_related("phase", "trader__trader_profile", "rule_set")
            .get(pk=account.pk)
        )
        eligibility = account_eligibility(account)
        if not eligibility.eligible:
            raise NotEligible(eligibility)
        requested = eligibility.eligible_amount if requested is None else requested
        if requested <= ZERO:
            raise PayoutError("The amount must be above zero.")
        if requested > eligibility.eligible_amount:
            raise PayoutError(
                f"The amount {requested} is above the eligible {eligibility.eligible_amount} "
                f"{account.currency}."
            )
        now = timezone.now()
        # Where it is paid is fixed now: a later profile change never redirects this payout.
        profile = getattr(account.trader, "trader_profile", None)
        payout = PayoutRequest(
            account=account,
            requested_by=by,
            currency=account.currency,
            eligible_amount=eligibility.eligible_amount,
            amount=requested,
            split_percent=eligibility.split_percent,
            trader_share=trader_share(requested, eligibility.split_percent),
            cycle_start=eligibility.cycle_start,
            requested_at=now,
            payout_method=profile.payout_method if profile else "",
            payout_details=profile.payout_details if profile else "",
            payee_changed_at=payee.last_change_at(account.trader_id),
        )
        try:
            with transaction.atomic():
                _audit(payout, PayoutAction.REQUESTED, {}, by, now)
        except IntegrityError as exc:
            raise PayoutError("Another payout request is already open on this account.") from exc
    return payout


def approve_payout(payout: PayoutRequest | int, *, by, note: str = "") -> PayoutRequest:
    """A finance approver approves a requested payout.

    Four-eyes: the approver is never the requester. When the trader's share is above
    settings.PAYOUT_SECOND_APPROVER_THRESHOLD, the first approval is recorded and the request
    stays `requested` until a second, different finance approver approves.
    """
    with transaction.atomic():
        payout = _lock(payout)
        if not is_finance_approver(by):
            raise PermissionDenied("Only finance staff approve payouts.")
        if by.pk == payout.requested_by_id:
            raise PermissionDenied("The requester cannot approve their own payout.")
        if payout.status != PayoutStatus.REQUESTED:
            raise PayoutError(f"Payout #{payout.pk} is {payout.get_status_display().lower()}.")
        if by.pk == payout.first_approved_by_id:
            raise PayoutError(
                f"You already approved payout #{payout.pk}; a second, different approver is needed."
            )
        _assert_still_payable(payout)
        _assert_payee_settled(payout)
        now = timezone.now()
        before = _audited_state(payout)
        if needs_second_approver(payout) and payout.first_approved_by_id is None:
            payout.first_approved_by = by
            payout.first_approved_at = now
            _audit(payout, PayoutAction.FIRST_APPROVAL, before, by, now, note)
            return payout
        if not has_transition_perm(payout.approve, by):
            raise PermissionDenied("You may not approve this payout.")
        payout.approve(by=by, at=now)
        _audit(payout, PayoutAction.APPROVED, before, by, now, note)
    return payout


def reject_payout(payout: PayoutRequest | int, *, by, reason: str) -> PayoutRequest:
    """Finance rejects a requested or approved (not yet paid) payout; the reason is shown to the
    trader and emailed."""
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError("A rejection needs a reason the trader will read.")
    with transaction.atomic():
        payout = _lock(payout)
        if not is_finance_approver(by):
            raise PermissionDenied("Only finance staff reject payouts.")
        if not payout.is_open:
            raise PayoutError(f"Payout #{payout.pk} is {payout.get_status_display().lower()}.")
        now = timezone.now()
        before = _audited_state(payout)
        payout.reject(by=by, at=now, reason=reason)
        _audit(payout, PayoutAction.REJECTED, before, by, now, reason)
    return payout


def cancel_payout(payout: PayoutRequest | int, *, by) -> PayoutRequest:
    """The requester withdraws their request before it is approved."""
    with transaction.atomic():
        payout = _lock(payout)
        if by.pk != payout.requested_by_id:
            raise PermissionDenied("Only the requester can cancel a payout request.")
        if payout.status != PayoutStatus.REQUESTED:
            raise PayoutError(
                f"Payout #{payout.pk} is {payout.get_status_display().lower()}; "
                "only a request not yet approved can be cancelled."
            )
        now = timezone.now()
        before = _audited_state(payout)
        payout.cancel(by=by, at=now)
        _audit(payout, PayoutAction.CANCELLED, before, by, now)
    return payout


def mark_payout_paid(payout: PayoutRequest | int, *, by, reference: str) -> PayoutRequest:
    """Finance records that an approved payout left the bank, with the payment reference.

    Ledger: a withdrawal BalanceOperation of −amount (the whole requested profit, so a full
    request brings the balance back to B0) with reference "payout:<id>", unique per account,
    so it can never be recorded twice. The next payout cycle starts at this payment. If the
    payment completes a step of the phase's scaling plan, the account is scaled up in the same
    transaction (evaluations.services.scaling). The risk metrics are recomputed and the trader
    emailed after commit.
    """
    reference = (reference or "").strip()
    if not reference:
        raise PayoutError("Marking paid needs the payment reference.")
    with transaction.atomic():
        payout = _lock(payout)
        if not is_finance_approver(by, PAY_PERMISSION):
            raise PermissionDenied("Only finance staff mark payouts paid.")
        if by.pk == payout.requested_by_id:
            raise PermissionDenied("The requester cannot mark their own payout paid.")
        if not approver_may_pay(payout, by):
            raise PayoutError(
                f"You approved payout #{payout.pk}: the firm has another person mark it paid "
                "(PAYOUT_APPROVER_MAY_PAY)."
            )
        if payout.status != PayoutStatus.APPROVED:
            raise PayoutError(
                f"Payout #{payout.pk} is {payout.get_status_display().lower()}; "
                "only an approved payout can be paid."
            )
        # The account row too: no request, recompute or other payment interleaves the ledger.
        payout.account = (
            TradingAccount.objects.select_for_update(of=("self",))
            .select_related("phase")
            .get(pk=payout.account_id)
        )
        _assert_still_payable(payout)
        now = timezone.now()
        before = _audited_state(payout)
        # The withdrawal is part of this transition and audited with it, not on its own.
        withdrawal = BalanceOperation.objects.create(
            account_id=payout.account_id,
            kind=BalanceOperationKind.WITHDRAWAL,
            amount=-payout.amount,
            time=now,
            reason=f"Payout #{payout.pk}: {payout.trader_share} {payout.currency} to the trader "
            f"({payout.split_percent}% of {payout.amount})",
            reference=f"payout:{payout.pk}",
            created_by=by,
            # Written by the system as part of an approved payout: counted at once.
            status=BalanceOperationStatus.APPROVED,
        )
        payout.mark_paid(by=by, at=now, reference=reference, withdrawal=withdrawal)
        _audit(
            payout,
            PayoutAction.PAID,
            before,
            by,
            now,
            reference,
            data={"withdrawal_id": withdrawal.pk, "withdrawal_amount": withdrawal.amount},
        )
        issue_payout_certificate(
            payout.account,
            payout_id=payout.pk,
            amount=payout.trader_share,
            currency=payout.currency,
            at=now,
        )
        # The funded phase's scaling plan: this payment may complete a step (a larger account).
        apply_scaling_plan(
            payout.account, profit_left=account_profit(payout.account), at=now, by=by
        )
        enqueue_recompute([payout.account_id])
    return payout


EXPORT_COLUMNS = (
    "payout_id",
    "paid_at",
    "trader_email",
    "trader_name",
    "account_login",
    "amount",
    "currency",
    "payout_method",
    "payout_details",
    "payee_changed_recently",
    "payment_reference",
)


def _payment_row(payout: PayoutRequest) -> list:
    """The destination is the request's snapshot, never the profile as it is today."""
    trader = payout.account.trader
    return [
        payout.pk,
        payout.paid_at,
        trader.email,
        trader.get_full_name(),
        payout.account.login,
        f"{payout.trader_share:.2f}",
        payout.currency,
        payout.payout_method,
        payout.payout_details,
        "yes" if payout.payee_changed_recently else "no",
        payout.payment_reference,
    ]


def export_paid_payouts_csv(payouts: Iterable[PayoutRequest], *, by) -> str:
    """CSV of paid requests for the payment run: trader, amount (what the trader receives),
    currency, payout method and details as snapshotted at the request, whether the destination
    had changed within the cooling-off window before the request, payment reference. Only
    finance may export."""
    if not by.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied("Only finance staff export payouts.")
    rows = (_payment_row(payout) for payout in payouts if payout.status == PayoutStatus.PAID)
    return csv_text(EXPORT_COLUMNS, rows)
