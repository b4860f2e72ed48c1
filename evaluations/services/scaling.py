"""Write path of the scaling plan: a funded account that earned a step is replaced by a larger one.

`apply_scaling_plan` is called by `payouts.services.mark_payout_paid` in the payment's
transaction (payouts stands above evaluations, so it calls down). When the account's last N
paid cycles each withdrew ≥ X% of its size (evaluations/scaling.py), it

  1. closes the account ("Scaled up to …"), and
  2. opens a new funded account in the same phase for the same trader, with
     initial balance = the next size and `previous_account` = the old one,

and audits the step (AuditAction.ACCOUNT_SCALED, besides the close and open events).

Why a new account, not a raised initial balance: the loss limits and targets are percentages of
B0 over the account's whole history; raising B0 in place would re-judge past days against the
larger limits (a 90,000 floor becoming 112,500 under yesterday's equity). A new account keeps
every account's balance, equity, limits and history consistent, and the added size is never a
deposit in any ledger, so it can never be paid out as profit: profit is balance − B0 of the
new account. This is what firms do on their platforms too (a new login at the new size).

A step happens only when the payment left no profit on the account (balance ≤ B0): profit the
trader has not withdrawn is never closed away. Idempotent: the old account is closed and has at
most one `next_account`, so a second call finds nothing to do.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from accounts.audit import by_whom, record
from accounts.models import AuditAction
from evaluations.models import (
    AccountStatus,
    BalanceOperation,
    BalanceOperationKind,
    TradingAccount,
)
from evaluations.scaling import ScalingPlan, ScalingProgress, scaling_progress
from evaluations.services.accounts import close_account, open_account

PAYOUT_REFERENCE_PREFIX = "payout:"  # the reference payouts.services gives a paid withdrawal


def paid_cycle_profits(account: TradingAccount) -> list[Decimal]:
    """The profit each paid payout cycle of `account` withdrew (positive), oldest first."""
    amounts = (
        BalanceOperation.objects.counted()
        .filter(
            account=account,
            kind=BalanceOperationKind.WITHDRAWAL,
            reference__startswith=PAYOUT_REFERENCE_PREFIX,
        )
        .order_by("time", "pk")
        .values_list("amount", flat=True)
    )
    return [-amount for amount in amounts]


def scaling_progress_of(account: TradingAccount) -> ScalingProgress | None:
    """Where `account` stands on its phase's scaling plan; None without a plan."""
    plan = ScalingPlan.of_phase(account.phase)
    if plan is None:
        return None
    return scaling_progress(
        plan,
        base_size=account.program.account_size,
        size=account.initial_balance,
        cycle_profits=paid_cycle_profits(account),
    )


def apply_scaling_plan(
    account: TradingAccount, *, profit_left: Decimal, at: datetime, by=None
) -> TradingAccount | None:
    """Scale `account` up if it earned a step; return the new account, else None.

    profit_left: the account's balance − B0 after the payment (the caller reads the ledger).
    by: the user whose action set it off (the payer), None for the system.
    """
    with transaction.atomic():
        locked = (
            TradingAccount.objects.select_for_update(of=("self",))
            .select_related("phase", "program", "trader")
            .get(pk=account.pk)
        )
        if locked.status != AccountStatus.FUNDED or profit_left > 0:
            return None
        progress = scaling_progress_of(locked)
        if progress is None or not progress.due:
            return None
        size, currency = progress.next_size, locked.currency
        close_account(
            locked, by=by, at=at, reason=f"Scaled up to {size:,.2f} {currency} (scaling plan)"
        )
        scaled = open_account(
            locked.trader,
            locked.program,
            phase=locked.phase,
            started_at=at,
            previous_account=locked,
            by=by,
            broker_server=locked.broker_server,
            initial_balance=size,
        )
        if locked.server_tz:  # the same broker writes the new login's times
            scaled.server_tz = locked.server_tz
            scaled.save(update_fields=["server_tz"])
        record(
            AuditAction.ACCOUNT_SCALED,
            actor=by,
            obj=scaled,
            summary=f"Account {locked.login} scaled up from {locked.initial_balance:,.2f} to "
            f"{size:,.2f} {currency} as {scaled.login} by {by_whom(by)} (scaling plan: "
            f"{progress.qualifying} cycles at ≥ {progress.cycle_threshold:,.2f} {currency})",
            before={"account_id": locked.pk, "initial_balance": locked.initial_balance},
            after={"account_id": scaled.pk, "initial_balance": scaled.initial_balance},
            data={"cycles": progress.qualifying, "cap": progress.plan.cap},
        )
    return scaled
