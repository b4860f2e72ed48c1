"""Write paths for corrections risk staff make to imported trades: edit one, delete one.

Trades normally enter through the import service; when a platform reported a trade wrongly,
risk staff correct it here. Each correction is one audit event (before → after, by whom) and
queues a recompute of the account's metrics and rules through the recompute hook
(evaluations.hooks), after the transaction commits.
"""

from __future__ import annotations

from django.db import transaction

from accounts.audit import by_whom, changed, fields_of, record
from accounts.models import AuditAction
from evaluations.hooks import enqueue_recompute
from evaluations.models import Trade

# What a correction may change: the platform's fields (not the derived net or the provenance).
TRADE_FIELDS = tuple(
    field.name
    for field in Trade._meta.concrete_fields
    if field.name not in ("id", "net", "import_batch")
)


class TradeCorrectionError(Exception):
    """A correction that cannot be made (shown to staff as is)."""


@transaction.atomic
def correct_trade(trade: Trade, *, by) -> Trade:
    """Save staff's corrections to an imported trade (an unsaved edit of `trade`).

    The trade stays on its account (moving a trade is a delete and a re-import). Audited with
    the fields that changed; the account is recomputed after commit. Nothing is written when
    nothing changed.
    """
    if trade.pk is None:
        raise TradeCorrectionError("new trades come in through an import, not a correction")
    stored = Trade.objects.select_for_update().get(pk=trade.pk)
    if trade.account_id != stored.account_id:
        raise TradeCorrectionError("a trade cannot move to another account")
    before, after = changed(fields_of(stored, TRADE_FIELDS), fields_of(trade, TRADE_FIELDS))
    if not after:
        return trade
    trade.save()
    record(
        AuditAction.TRADE_CHANGED,
        actor=by,
        obj=trade,
        summary=f"Trade #{trade.ticket} on account {trade.account.login}: "
        f"{', '.join(after)} corrected by {by_whom(by)}",
        before=before,
        after=after,
        data={"account_id": trade.account_id, "ticket": trade.ticket},
    )
    enqueue_recompute([trade.account_id])
    return trade


@transaction.atomic
def delete_trade(trade: Trade, *, by) -> None:
    """Delete a trade the platform reported by mistake; audited with the whole trade, and the
    account is recomputed after commit."""
    stored = Trade.objects.select_for_update().select_related("account").get(pk=trade.pk)
    record(
        AuditAction.TRADE_DELETED,
        actor=by,
        obj=stored,
        summary=f"Trade #{stored.ticket} on account {stored.account.login} deleted "
        f"by {by_whom(by)}",
        before=fields_of(stored, TRADE_FIELDS),
        after={},
        data={"account_id": stored.account_id, "ticket": stored.ticket},
    )
    account_id = stored.account_id
    stored.delete()
    enqueue_recompute([account_id])
