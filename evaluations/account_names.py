"""Which account a name means: its login, or an alias (`AccountAlias`) a platform uses for it.

Every place that turns a platform's account name into an account calls these: the file import
(CLI, admin upload) and the bridge API, through the import service.
"""

from __future__ import annotations

from .models import AccountAlias, TradingAccount


def account_named(name: str) -> TradingAccount | None:
    """The account whose login or alias is `name`, else None."""
    account = TradingAccount.objects.filter(login=name).first()
    if account is None:
        alias = AccountAlias.objects.select_related("account").filter(name=name).first()
        account = alias.account if alias else None
    return account


def account_ids_by_name(account: TradingAccount | None = None) -> dict[str, int]:
    """name -> account id for `account`'s login and aliases, or for every account when None.

    A login wins over another account's alias of the same name."""
    aliases = AccountAlias.objects.values_list("name", "account_id")
    logins = TradingAccount.objects.values_list("login", "pk")
    if account is not None:
        aliases = aliases.filter(account=account)
        logins = logins.filter(pk=account.pk)
    return dict(aliases) | dict(logins)
