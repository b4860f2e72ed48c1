"""The write paths of a payment run: select approved payouts, export the batch for the bank
(CSV, SEPA pain.001 XML for EUR IBANs), mark the whole batch paid with the bank's reference, or
cancel it and release its payouts.

Finance only (`payouts.pay_payoutrequest`, as a member of the finance group); every step
writes one audit event (`PAYMENT_RUN`). Marking paid runs each payout through
`services.mark_payout_paid`, so transitions, withdrawals, audit, emails and the same-person
rule stay one path, inside one transaction: either the whole batch is paid or none of it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.audit import by_whom, record
from accounts.models import AuditAction, PayoutMethod
from config.csv_export import csv_text

from . import sepa
from .models import (
    EXPORT_PERMISSION,
    OPEN_RUN_STATUSES,
    PAY_PERMISSION,
    PaymentRun,
    PaymentRunStatus,
    PayoutRequest,
    PayoutStatus,
    is_finance_approver,
)
from .services import PayoutError, mark_payout_paid


def _assert_finance(by, permission: str = PAY_PERMISSION) -> None:
    if not is_finance_approver(by, permission):
        raise PermissionDenied("Only finance staff prepare and pay payment runs.")


def _audit(run: PaymentRun, step: str, by, **data) -> None:
    record(
        AuditAction.PAYMENT_RUN,
        actor=by,
        obj=run,
        summary=f"Payment run #{run.pk} ({run.payout_count} payouts, {run.total} {run.currency}): "
        f"{step} by {by_whom(by)}",
        data={"step": step, "status": run.status, **data},
    )


def end_to_end_id(payout: PayoutRequest) -> str:
    """What the bank statement carries back for one payout of a run."""
    return f"PROPDESK-PAYOUT-{payout.pk}"


def create_payment_run(payout_ids: Iterable[int], *, by) -> PaymentRun:
    """A draft run of the selected approved payouts, all in one currency, each with a
    destination and in no other open run. Refuses the whole selection, naming each problem."""
    _assert_finance(by)
    ids = sorted({int(pk) for pk in payout_ids})
    if not ids:
        raise PayoutError("Select at least one approved payout for the payment run.")
    with transaction.atomic():
        payouts = list(
            PayoutRequest.objects.select_for_update(of=("self",))
            .select_related("payment_run")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        problems = [f"payout #{pk} does not exist" for pk in set(ids) - {p.pk for p in payouts}]
        for payout in payouts:
            if payout.status != PayoutStatus.APPROVED:
                problems.append(f"payout #{payout.pk} is {payout.get_status_display().lower()}")
            elif payout.payment_run_id and payout.payment_run.is_open:
                problems.append(
                    f"payout #{payout.pk} is already in payment run #{payout.payment_run_id}"
                )
            elif not (payout.payout_method and payout.payout_details):
                problems.append(f"payout #{payout.pk} has no destination")
        currencies = sorted({p.currency for p in payouts})
        if len(currencies) > 1:
            problems.append(f"one currency per run, not {', '.join(currencies)}")
        if problems:
            raise PayoutError("Cannot create the payment run: " + "; ".join(problems) + ".")
        now = timezone.now()
        run = PaymentRun.objects.create(
            currency=currencies[0],
            message_id=f"PD-{now:%Y%m%d%H%M%S}-{secrets.token_hex(4).upper()}",
            total=sum(p.trader_share for p in payouts),
            payout_count=len(payouts),
            created_by=by,
            created_at=now,
        )
        PayoutRequest.objects.filter(pk__in=ids).update(payment_run=run)
        _audit(run, "created", by, payout_ids=ids)
    return run


def _payouts(run: PaymentRun) -> list[PayoutRequest]:
    return list(run.payouts.select_related("account", "account__trader").order_by("pk"))


def _mark_exported(run: PaymentRun, by, kind: str) -> None:
    with transaction.atomic():
        if run.status == PaymentRunStatus.DRAFT:
            run.status = PaymentRunStatus.EXPORTED
            run.exported_at = timezone.now()
            run.save(update_fields=["status", "exported_at"])
        _audit(run, f"exported ({kind})", by)


RUN_CSV_COLUMNS = (
    "end_to_end_id",
    "payout_id",
    "trader_name",
    "trader_email",
    "account_login",
    "amount",
    "currency",
    "payout_method",
    "payout_details",
    "iban",
    "account_holder",
    "payee_changed_recently",
)


def export_run_csv(run: PaymentRun, *, by) -> str:
    """The batch as the bank or the payment provider's bulk upload reads it: one row per payout
    with what the trader receives and the destination snapshotted at the request."""
    _assert_finance(by, EXPORT_PERMISSION)
    if run.status == PaymentRunStatus.CANCELLED:
        raise PayoutError(f"Payment run #{run.pk} is cancelled.")
    rows = []
    for payout in _payouts(run):
        bank = (
            sepa.bank_destination(payout.payout_details) if payout.payout_method == "bank" else None
        )
        trader = payout.account.trader
        rows.append(
            [
                end_to_end_id(payout),
                payout.pk,
                trader.get_full_name(),
                trader.email,
                payout.account.login,
                f"{payout.trader_share:.2f}",
                payout.currency,
                payout.payout_method,
                payout.payout_details,
                bank[0] if bank else "",
                bank[1] if bank else "",
                "yes" if payout.payee_changed_recently else "no",
            ]
        )
    body = csv_text(RUN_CSV_COLUMNS, rows)
    _mark_exported(run, by, "csv")
    return body


def sepa_problems(run: PaymentRun, payouts: list[PayoutRequest]) -> list[str]:
    """Why the run cannot be a SEPA file (empty when it can)."""
    problems = [] if payouts else ["the run holds no payout"]
    if run.currency != "EUR":
        problems.append(f"SEPA credit transfers are in EUR, this run is in {run.currency}")
    for payout in payouts:
        if (
            payout.payout_method != PayoutMethod.BANK
            or sepa.bank_destination(payout.payout_details) is None
        ):
            problems.append(f"payout #{payout.pk} is not paid to an IBAN")
    if not (settings.PAYMENT_RUN_DEBTOR_NAME and settings.PAYMENT_RUN_DEBTOR_IBAN):
        problems.append("the firm's account (PAYMENT_RUN_DEBTOR_NAME, _IBAN) is not set")
    return problems


def export_run_pain001(run: PaymentRun, *, by) -> bytes:
    """The batch as a SEPA credit transfer file (pain.001.001.09) for the bank's upload: EUR,
    every payee an IBAN."""
    _assert_finance(by, EXPORT_PERMISSION)
    if run.status == PaymentRunStatus.CANCELLED:
        raise PayoutError(f"Payment run #{run.pk} is cancelled.")
    payouts = _payouts(run)
    problems = sepa_problems(run, payouts)
    if problems:
        raise PayoutError("No SEPA file for this run: " + "; ".join(problems) + ".")
    transfers = []
    for payout in payouts:
        iban, holder = sepa.bank_destination(payout.payout_details)
        transfers.append(
            sepa.Transfer(
                end_to_end_id=end_to_end_id(payout),
                amount=payout.trader_share,
                creditor_name=holder,
                creditor_iban=iban,
                remittance=f"PropDesk payout {payout.pk} account {payout.account.login}",
            )
        )
    now = timezone.now()
    body = sepa.credit_transfer_xml(
        sepa.Batch(
            message_id=run.message_id,
            created_at=now,
            execution_date=now.date(),
            debtor_name=settings.PAYMENT_RUN_DEBTOR_NAME,
            debtor_iban=settings.PAYMENT_RUN_DEBTOR_IBAN,
            debtor_bic=settings.PAYMENT_RUN_DEBTOR_BIC,
            transfers=tuple(transfers),
        )
    )
    _mark_exported(run, by, "pain.001")
    return body


def mark_run_paid(run: PaymentRun | int, *, by, bank_reference: str) -> PaymentRun:
    """The bank executed the batch: every payout of the run is marked paid (through
    `mark_payout_paid`, each with the bank reference and its end-to-end id) and the run with
    it, in one transaction; if one payout cannot be paid, nothing is."""
    _assert_finance(by)
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise PayoutError("Marking the run paid needs the bank's reference.")
    run_id = run.pk if isinstance(run, PaymentRun) else run
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run_id)
        if run.status not in OPEN_RUN_STATUSES:
            raise PayoutError(f"Payment run #{run.pk} is {run.get_status_display().lower()}.")
        for payout in run.payouts.order_by("pk"):
            try:
                mark_payout_paid(
                    payout, by=by, reference=f"{bank_reference} {end_to_end_id(payout)}"
                )
            except PermissionDenied as exc:
                raise PayoutError(f"Payout #{payout.pk}: {exc}") from exc
            except PayoutError as exc:
                raise PayoutError(f"Payout #{payout.pk}: {exc} Nothing was marked paid.") from exc
        run.status = PaymentRunStatus.PAID
        run.bank_reference = bank_reference
        run.paid_by = by
        run.paid_at = timezone.now()
        run.save(update_fields=["status", "bank_reference", "paid_by", "paid_at"])
        _audit(run, "paid", by, bank_reference=bank_reference)
    return run


def cancel_payment_run(run: PaymentRun | int, *, by) -> PaymentRun:
    """Drop an open run (the bank refused the file, a payout must wait): its payouts stay
    approved and can go into another run."""
    _assert_finance(by)
    run_id = run.pk if isinstance(run, PaymentRun) else run
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run_id)
        if run.status not in OPEN_RUN_STATUSES:
            raise PayoutError(f"Payment run #{run.pk} is {run.get_status_display().lower()}.")
        ids = list(run.payouts.values_list("pk", flat=True))
        run.payouts.update(payment_run=None)
        run.status = PaymentRunStatus.CANCELLED
        run.save(update_fields=["status"])
        _audit(run, "cancelled", by, payout_ids=ids)
    return run
