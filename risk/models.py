"""What the risk engine leaves behind: violations, per-account and per-day metrics, and the
economic calendar the news rule reads.

Rows here are derived from trades by `risk.services.evaluation`; only a violation's review
status (`status`, `reviewed_by`, `reviewed_at`) and the calendar are edited by people.
"""

from django.conf import settings
from django.db import models

from evaluations.models.programs import MONEY
from evaluations.rule_types import RuleCode, Severity

# Thresholds are money (2 places) or volume (4 places: lots/contracts) or whole days/seconds.
MEASURE = {"max_digits": 20, "decimal_places": 4}


class Unit(models.TextChoices):
    MONEY = "money", "Money (account currency)"
    LOTS = "lots", "Lots / contracts"
    DAYS = "days", "Days"
    SECONDS = "seconds", "Seconds"
    MINUTES = "minutes", "Minutes"
    PERCENT = "percent", "Percent"
    TRADES = "trades", "Trades"


class ViolationStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISMISSED = "dismissed", "Dismissed"


class Violation(models.Model):
    """A rule broken, with the numbers and evidence that explain it.

    `key` is the engine's stable identity of the breach (e.g. "max_daily_loss:2026-03-03"), so a
    recompute finds the same row instead of making a new one. `notified_at` and
    `trader_notified_at` are claims: set once, atomically, by the task that emails.
    """

    account = models.ForeignKey(
        "evaluations.TradingAccount", on_delete=models.CASCADE, related_name="violations"
    )
    rule_code = models.CharField(max_length=32, choices=RuleCode.choices)
    severity = models.CharField(max_length=4, choices=Severity.choices)
    key = models.CharField(max_length=200)
    threshold = models.DecimalField(**MEASURE)
    observed = models.DecimalField(**MEASURE)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    time = models.DateTimeField(help_text="First moment the rule was broken (UTC)")
    day = models.DateField(null=True, blank=True, help_text="Trading day in the phase's zone")
    message = models.TextField()
    evidence = models.JSONField(
        default=dict,
        blank=True,
        help_text='{"trade_ids": [...], "tickets": [...], "snapshot_id": …, "details": {...}}',
    )
    rule_set = models.ForeignKey(
        "evaluations.RuleSet", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        "evaluations.Rule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failed_account = models.BooleanField(
        default=False, help_text="This breach is the one that failed the account"
    )
    status = models.CharField(
        max_length=12, choices=ViolationStatus.choices, default=ViolationStatus.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="Risk desk emailed")
    trader_notified_at = models.DateTimeField(null=True, blank=True, help_text="Trader emailed")

    class Meta:
        ordering = ["-time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="violation_key_once"),
        ]
        indexes = [
            models.Index(fields=["status", "-time"]),
            models.Index(fields=["account", "time"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_code_display()} ({self.severity}) on {self.account_id}"


class Basis(models.TextChoices):
    CLOSED_TRADES = "closed_trades", "Closed trades only"
    EQUITY_SNAPSHOTS = "equity_snapshots", "With equity snapshots"


class AccountMetrics(models.Model):
    """The latest evaluation of one account: balances, floors, room and objective progress.

    `trades_watermark` is the highest trade id the evaluation saw; `evaluated_as_of` the "now"
    it used for inactivity and time limits.
    """

    account = models.OneToOneField(
        "evaluations.TradingAccount",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="metrics",
    )
    basis = models.CharField(max_length=16, choices=Basis.choices)
    balance = models.DecimalField(**MONEY)
    equity = models.DecimalField(**MONEY)
    hwm = models.DecimalField(**MONEY, help_text="High-water mark used by the total-loss rule")
    net_profit = models.DecimalField(**MONEY)
    max_drawdown = models.DecimalField(**MONEY)
    trades = models.PositiveIntegerField(default=0)
    trading_days = models.PositiveIntegerField(default=0)
    wins = models.PositiveIntegerField(default=0)
    losses = models.PositiveIntegerField(default=0)
    gross_profit = models.DecimalField(**MONEY, default=0)
    gross_loss = models.DecimalField(**MONEY, default=0, help_text="A positive amount")
    best_day_net = models.DecimalField(**MONEY, default=0)
    lots = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    day_reference = models.DecimalField(**MONEY, null=True, blank=True)
    daily_floor = models.DecimalField(**MONEY, null=True, blank=True)
    total_floor = models.DecimalField(**MONEY, null=True, blank=True)
    room_daily = models.DecimalField(**MONEY, null=True, blank=True)
    room_total = models.DecimalField(**MONEY, null=True, blank=True)
    objectives = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"code", "met", "current", "target", "unit", "detail"}] in display units',
    )
    objectives_met = models.BooleanField(default=False)
    last_trade_open_at = models.DateTimeField(null=True, blank=True)
    trades_watermark = models.BigIntegerField(default=0, help_text="Highest trade id evaluated")
    evaluated_as_of = models.DateTimeField()
    computed_at = models.DateTimeField()
    drawdown = models.JSONField(
        default=list,
        blank=True,
        help_text="The drawdown path for the portal chart, thinned: [[unix seconds, cents ≤ 0]]",
    )

    class Meta:
        verbose_name_plural = "account metrics"

    def __str__(self) -> str:
        return f"Metrics of account {self.account_id}"


class DailyMetrics(models.Model):
    """One trading day of one account (the day runs from reset to reset in the phase's zone)."""

    account = models.ForeignKey(
        "evaluations.TradingAccount", on_delete=models.CASCADE, related_name="daily_metrics"
    )
    day = models.DateField()
    start_balance = models.DecimalField(**MONEY)
    start_equity = models.DecimalField(**MONEY)
    end_balance = models.DecimalField(**MONEY)
    end_equity = models.DecimalField(**MONEY)
    reference = models.DecimalField(**MONEY, help_text="Daily-loss reference at the day start")
    daily_floor = models.DecimalField(**MONEY, null=True, blank=True)
    total_floor = models.DecimalField(**MONEY, null=True, blank=True)
    min_equity = models.DecimalField(**MONEY)
    net = models.DecimalField(**MONEY, help_text="Closed net P&L of the day")
    trades_opened = models.PositiveIntegerField(default=0)
    trades_closed = models.PositiveIntegerField(default=0)
    lots = models.DecimalField(max_digits=18, decimal_places=4, default=0)

    class Meta:
        ordering = ["account", "day"]
        verbose_name_plural = "daily metrics"
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="daily_metrics_day_once"),
        ]

    def __str__(self) -> str:
        return f"Account {self.account_id} on {self.day}"


class Impact(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class EconomicEvent(models.Model):
    """An entry of the economic calendar, kept by risk staff; the news rule reads it."""

    time = models.DateTimeField(help_text="UTC")
    currency = models.CharField(max_length=3, help_text="ISO code the event concerns, e.g. USD")
    impact = models.CharField(max_length=6, choices=Impact.choices, default=Impact.HIGH)
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["-time"]
        indexes = [models.Index(fields=["time"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="event_currency_iso"
            ),
            models.UniqueConstraint(
                fields=["time", "currency", "title"], name="economic_event_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.currency} {self.title}"


class EvaluationFailure(models.Model):
    """An account the engine could not evaluate (its data breaks an invariant the database
    enforces, e.g. sums beyond the money columns), kept so staff see it and the risk desk is
    alerted once; the other accounts were evaluated regardless (security finding 3).

    One row per account: a later successful evaluation marks it resolved; failing again after
    that opens it anew (and alerts again).
    """

    account = models.OneToOneField(
        "evaluations.TradingAccount", on_delete=models.CASCADE, related_name="evaluation_failure"
    )
    error_type = models.CharField(max_length=100)
    message = models.TextField()
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    alerted_at = models.DateTimeField(null=True, blank=True, help_text="Risk desk emailed (claim)")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["last_failed_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="risk_evalfail_open",
            )
        ]

    def __str__(self) -> str:
        state = "resolved" if self.resolved_at else "failing"
        return f"Account {self.account_id} {state}: {self.error_type}"
