"""Platform account aliases: the name a file or bridge gives an account, mapped to PropDesk's.

Futures platforms name accounts their own way (`EXPRESSApr3013436618!TopstepTrader!TopstepTrader`,
`Sim101`), and the name in an export need not be the account's login. An alias is unique across
the firm, so a name in a file always means one account; file imports and the bridge API resolve
it wherever they resolve a login (`evaluations.account_names`).
"""

from django.db import models
from simple_history.models import HistoricalRecords

from .accounts import LOGIN_MAX_LENGTH, TradingAccount


class AccountAlias(models.Model):
    account = models.ForeignKey(TradingAccount, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(
        max_length=LOGIN_MAX_LENGTH,
        unique=True,
        help_text="The account's name in a platform's files or bridge (e.g. Sim101)",
    )
    platform = models.CharField(
        max_length=32, blank=True, help_text="Where the name comes from (e.g. NinjaTrader)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "account aliases"

    def __str__(self) -> str:
        return f"{self.name} → {self.account.login}"
