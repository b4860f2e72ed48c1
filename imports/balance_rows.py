"""A statement's balance rows (deposits, withdrawals, credits, broker charges): never trades.

They are counted in the import's report, and with `ImportBatch.balance_rows` each one becomes a
balance operation through the one write path for them (`evaluations.services.balance.
add_balance_operation`): `pending` like any operation staff add, counting nowhere until a
second person approves it (four-eyes, docs/security.md), so a file cannot move an account's
balance on its importer's word alone. Each is keyed by its platform ticket (`reference`), so a
re-import adds none twice.
"""

from __future__ import annotations

from decimal import Decimal

from evaluations.models import BalanceOperation, BalanceOperationKind, TradingAccount
from evaluations.services.balance import add_balance_operation

from .rows import BalanceRow

ZERO = Decimal("0")


def operation_kind(row: BalanceRow) -> str:
    """MT `balance` rows are deposits (> 0) or withdrawals (< 0); credit, charges, bonuses,
    corrections are adjustments."""
    if row.type == "balance":
        return BalanceOperationKind.DEPOSIT if row.amount > 0 else BalanceOperationKind.WITHDRAWAL
    return BalanceOperationKind.ADJUSTMENT


def reference(row: BalanceRow) -> str:
    key = row.ticket or f"{row.time:%Y%m%d%H%M%S}:{row.amount}"
    return f"mt:{key}"[:64]


def import_balance_rows(rows: list[BalanceRow], accounts: dict[str, int], *, by) -> int:
    """Add a pending balance operation for each row not imported before; returns how many.

    Rows of an unknown account and rows of zero amount are left out (the report counts them).
    """
    added = 0
    by_account: dict[int, list[BalanceRow]] = {}
    for row in rows:
        if row.amount != ZERO and row.login in accounts:
            by_account.setdefault(accounts[row.login], []).append(row)
    for account_id, account_rows in by_account.items():
        account = TradingAccount.objects.get(pk=account_id)
        known = set(
            BalanceOperation.objects.filter(
                account=account, reference__in=[reference(row) for row in account_rows]
            ).values_list("reference", flat=True)
        )
        for row in account_rows:
            ref = reference(row)
            if ref in known:
                continue
            known.add(ref)
            add_balance_operation(
                account,
                kind=operation_kind(row),
                amount=row.amount,
                reason=f"Statement {row.type} row (ticket {row.ticket or '-'}): "
                f"{row.comment or row.type}"[:255],
                by=by,
                time=row.time,
                reference=ref,
            )
            added += 1
    return added


def balance_rows_note(rows: list[BalanceRow], added: int | None) -> str:
    """The report's line on balance rows, e.g. "3 balance rows not imported as trades:
    +100,000.00 deposits, -500.00 withdrawals, +500.00 credit"."""
    totals: dict[str, Decimal] = {}
    for row in rows:
        kind = operation_kind(row)
        label = {"deposit": "deposits", "withdrawal": "withdrawals"}.get(kind, row.type)
        totals[label] = totals.get(label, ZERO) + row.amount
    sums = ", ".join(f"{amount:+,.2f} {label}" for label, amount in totals.items())
    note = f"{len(rows)} balance row(s) not imported as trades: {sums}"
    if added is None:
        return note + " (import them as balance operations with the balance-rows option)"
    known = len(rows) - added
    return f"{note}; {added} added as balance operation(s) pending approval" + (
        f", {known} already imported or zero" if known else ""
    )
