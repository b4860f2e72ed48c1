"""Writing platform account aliases (`AccountAlias`); each save and delete is audited."""

from __future__ import annotations

from django.db import transaction

from accounts.audit import record
from accounts.models import AuditAction
from evaluations.models import AccountAlias


@transaction.atomic
def save_alias(alias: AccountAlias, *, by) -> AccountAlias:
    """Create or rename an alias; audited as a change of its account (before → after name)."""
    before = None
    if alias.pk:
        before = AccountAlias.objects.filter(pk=alias.pk).values("name", "platform").first()
    alias.save()
    record(
        AuditAction.ACCOUNT_CHANGED,
        actor=by,
        obj=alias.account,
        summary=f"Alias {alias.name!r} of account {alias.account.login} saved",
        before=before or {},
        after={"name": alias.name, "platform": alias.platform},
    )
    return alias


@transaction.atomic
def delete_alias(alias: AccountAlias, *, by) -> None:
    """Remove an alias; files naming it no longer reach the account. Audited with what it was."""
    record(
        AuditAction.ACCOUNT_CHANGED,
        actor=by,
        obj=alias.account,
        summary=f"Alias {alias.name!r} of account {alias.account.login} removed",
        before={"name": alias.name, "platform": alias.platform},
        after={},
    )
    alias.delete()
