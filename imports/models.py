"""What the import service keeps beside the trades it writes.

`TradeClientIp`: the client IP a bridge reports for a trade (optional `client_ip` on a trade
item), in a side table keyed by account and ticket so the trade table and its COPY path stay as
they are. Read by the abuse detectors (shared IPs across traders).
"""

from django.db import models

from evaluations.models import TradingAccount


class TradeClientIp(models.Model):
    account = models.ForeignKey(TradingAccount, on_delete=models.CASCADE, related_name="+")
    ticket = models.CharField(max_length=64)
    ip = models.GenericIPAddressField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "ticket"], name="trade_client_ip_unique")
        ]
        indexes = [models.Index(fields=["ip"], name="trade_client_ip_ip")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.ticket} from {self.ip}"
