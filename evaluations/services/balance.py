"""The write path for balance operations finance adds by hand: deposits, withdrawals and
adjustments (a payout's withdrawal is written by `payouts.services.mark_payout_paid`, audited
as part of that payout's transition).

The ledger is append-only: a wrong operation is corrected by adding an opposite one, so every
change of an account's balance keeps its author and reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.audit import by_whom, fields_of, record
from accounts.models import AuditAction
from evaluations.hooks import enqueue_recompute
from evaluations.models import BalanceOperation, TradingAccount

OPERATION_FIELDS = ("account", "kind", "amount", "time", "reason", "reference")


@transaction.atomic
def add_balance_operation(
    account: TradingAccount,
    *,
    kind: str,
    amount: Decimal,
    reason: str,
    by,
    time: dt.datetime | None = None,
    reference: str = "",
) -> BalanceOperation:
    """Add one balance operation (signed `amount`: deposits > 0, withdrawals < 0; the database
    refuses a sign that does not match the kind, and a reference used twice on an account).

    One audit event with the operation; the account's metrics and rules are recomputed after
    commit, since the balance every limit is measured from has changed.
    """
    operation = BalanceOperation.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        time=time or timezone.now(),
        reason=reason,
        reference=reference,
        created_by=by,
    )
    record(
        AuditAction.BALANCE_OPERATION_ADDED,
        actor=by,
        obj=operation,
        summary=f"{operation.get_kind_display()} of {amount} {account.currency} on account "
        f"{account.login} by {by_whom(by)}: {reason}",
        before={},
        after=fields_of(operation, OPERATION_FIELDS),
        data={"account_id": account.pk},
    )
    enqueue_recompute([account.pk])
    return operation
