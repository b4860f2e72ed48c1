"""The link to the trading platform: bridges, and the durable outbox of commands sent to them.

A **bridge** is the program a firm runs beside its MT5/cTrader/Tradovate servers: it pushes
trades, equity ticks and open positions to PropDesk with its API token, and carries out the
commands PropDesk issues (docs/bridges.md). An account belongs to at most one bridge; a bridge
may only send for its own accounts.

A **platform command** is written in the same transaction as the decision that needs it (the
account failed, reinstated or opened), so no decision is ever without its command. Its life:

    issued → delivered (handed to the bridge, lease running) → done | failed

A delivered command whose lease ran out before the bridge acknowledged it is delivered again;
`key` makes issuing idempotent (one command per decision, however often it is re-decided).
"""

from django.conf import settings
from django.db import models


class Bridge(models.Model):
    """A platform bridge: its API user (the token's owner) and the accounts it runs."""

    name = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bridge"
    )
    platform = models.CharField(max_length=12, blank=True, help_text="mt5, ctrader, tradovate…")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommandKind(models.TextChoices):
    CREATE_ACCOUNT = "create_account", "Create account"
    DISABLE = "disable", "Disable trading"
    CLOSE_AND_DISABLE = "close_and_disable", "Close all positions, then disable"
    PAUSE = "pause", "Close positions and pause until the reset"
    ENABLE = "enable", "Enable trading"


class CommandStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    DELIVERED = "delivered", "Delivered"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PlatformCommand(models.Model):
    """One instruction to a bridge about one account, from issue to acknowledgement."""

    bridge = models.ForeignKey(Bridge, on_delete=models.PROTECT, related_name="commands")
    account = models.ForeignKey(
        "evaluations.TradingAccount", on_delete=models.CASCADE, related_name="platform_commands"
    )
    kind = models.CharField(max_length=20, choices=CommandKind.choices)
    status = models.CharField(
        max_length=10, choices=CommandStatus.choices, default=CommandStatus.ISSUED
    )
    key = models.CharField(max_length=200, unique=True, help_text="One command per decision")
    reason = models.CharField(max_length=255, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    violation_id = models.BigIntegerField(
        null=True, blank=True, help_text="The violation that decided it (risk.Violation)"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    breach_ts = models.DateTimeField(
        null=True, blank=True, help_text="Time of the tick that decided it (latency evidence)"
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["bridge", "status", "id"]),
            models.Index(fields=["account", "-issued_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.account_id} ({self.status})"
