"""What live risk keeps in PostgreSQL (docs/live-risk.md, "What is stored").

Not every tick: per account and minute the low, high and last equity (the portal's chart and
the evidence of what happened between two stored ticks), every tick that breached a limit or
crossed a near-limit threshold (`LiveTick`), and the near-limit alerts sent (once per account,
day, limit and threshold). The live state itself (limits, high-water mark, last tick) is in
Redis; see `live.state`.
"""

from django.db import models

from evaluations.models.programs import MONEY


class EquityMinute(models.Model):
    """One account's equity over one UTC minute, from the ticks received in it."""

    account = models.ForeignKey(
        "evaluations.TradingAccount", on_delete=models.CASCADE, related_name="equity_minutes"
    )
    minute = models.DateTimeField(help_text="Start of the minute (UTC)")
    low = models.DecimalField(**MONEY)
    high = models.DecimalField(**MONEY)
    last = models.DecimalField(**MONEY, help_text="Equity of the minute's latest tick")
    balance = models.DecimalField(**MONEY, help_text="Balance of the minute's latest tick")
    ticks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["account", "minute"]
        constraints = [
            models.UniqueConstraint(fields=["account", "minute"], name="equity_minute_once"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.minute:%Y-%m-%d %H:%M}: {self.low}–{self.high}"


class TickReason(models.TextChoices):
    BREACH = "breach", "Breached a limit"
    ALERT = "alert", "Crossed a near-limit threshold"
    LATE = "late", "Older than the account's last tick (stored, not evaluated)"


class LiveTick(models.Model):
    """A tick kept as evidence: it breached a limit, crossed a threshold, or came late."""

    account = models.ForeignKey(
        "evaluations.TradingAccount", on_delete=models.CASCADE, related_name="live_ticks"
    )
    time = models.DateTimeField()
    balance = models.DecimalField(**MONEY)
    equity = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=8, choices=TickReason.choices)
    received_at = models.DateTimeField(help_text="When PropDesk received it")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["account", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "time", "reason"], name="live_tick_once_per_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} @ {self.time:%Y-%m-%d %H:%M:%S}: {self.equity} ({self.reason})"


class LimitKind(models.TextChoices):
    DAILY = "daily", "Daily loss"
    TOTAL = "total", "Total loss"


class LimitAlert(models.Model):
    """A near-limit warning: `level` % of the loss room used, once per account, day and level."""

    account = models.ForeignKey(
        "evaluations.TradingAccount", on_delete=models.CASCADE, related_name="limit_alerts"
    )
    day = models.DateField(help_text="Trading day in the phase's zone")
    limit = models.CharField(max_length=5, choices=LimitKind.choices)
    level = models.PositiveSmallIntegerField(help_text="Percent of the loss room used")
    time = models.DateTimeField(help_text="Time of the tick that crossed it")
    equity = models.DecimalField(**MONEY)
    floor = models.DecimalField(**MONEY, help_text="The limit at that tick")
    used_bp = models.PositiveIntegerField(help_text="Room used, in basis points")
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-time"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day", "limit", "level"], name="limit_alert_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.limit} {self.level}%"
