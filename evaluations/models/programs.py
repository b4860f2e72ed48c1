"""What a trader buys: programs, their ordered phases, and each phase's versioned rule set."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from evaluations.rule_types import RuleCode, Severity, validate_params, validate_severity

MONEY = {"max_digits": 18, "decimal_places": 2}


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    # OSError: a directory of the zone database ("Europe") or a name too long for a file
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValidationError(f"{value!r} is not a known IANA time zone") from exc


class Platform(models.TextChoices):
    MT4 = "mt4", "MetaTrader 4"
    MT5 = "mt5", "MetaTrader 5"
    CTRADER = "ctrader", "cTrader"
    TRADOVATE = "tradovate", "Tradovate"
    NINJATRADER = "ninjatrader", "NinjaTrader 8"


class Enforcement(models.TextChoices):
    FLAG = "flag", "Flag for review"
    NOTIFY = "notify", "Notify"
    DISABLE = "disable", "Disable trading"
    CLOSE_AND_DISABLE = "close_and_disable", "Close positions and disable"
    PAUSE_UNTIL_RESET = "pause_until_reset", "Pause until the daily reset"


def effective_enforcement(enforcement: str, severity: str, params: dict) -> str:
    """The policy a breach of this rule applies (the rule's own, else the default)."""
    if enforcement:
        return enforcement
    if params.get("on_breach") == "pause_until_reset":
        return Enforcement.PAUSE_UNTIL_RESET
    return Enforcement.CLOSE_AND_DISABLE if severity == "hard" else Enforcement.FLAG


class Program(models.Model):
    """An evaluation program for sale, e.g. "2-Step 100k": size, currency, price, phases."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    account_size = models.DecimalField(**MONEY, help_text="Initial balance B0")
    currency = models.CharField(max_length=3, default="USD")
    price = models.DecimalField(**MONEY, help_text="What the trader pays for the program")
    platform = models.CharField(max_length=12, choices=Platform.choices, default=Platform.MT5)
    is_active = models.BooleanField(default=True, help_text="Offered for sale")
    bridge = models.ForeignKey(
        "evaluations.Bridge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programs",
        help_text="The bridge that creates this program's accounts on the platform",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account_size__gt=0), name="program_account_size_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="program_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="program_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def first_phase(self) -> "Phase | None":
        return self.phases.order_by("order").first()


class PhaseKind(models.TextChoices):
    EVALUATION = "evaluation", "Evaluation"
    FUNDED = "funded", "Funded"


class Phase(models.Model):
    """One stage of a program. Days for its rules start at `reset_hour` in `reset_tz`."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(help_text="1 for the first phase")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=PhaseKind.choices)
    reset_tz = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA zone of the daily reset, e.g. Europe/Prague",
    )
    reset_hour = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(23)], help_text="Local hour of the daily reset"
    )
    profit_split = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Trader's share of profit in percent (funded phases)",
    )
    payout_cycle_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Days between payouts (funded phases)"
    )
    min_payout = models.DecimalField(
        **MONEY, default=0, help_text="Smallest profit that can be paid out"
    )
    auto_advance = models.BooleanField(
        default=True,
        help_text="Open the next phase's account automatically on pass; "
        "otherwise it waits for risk-staff approval",
    )
    # The scaling plan (funded phases, optional; all four set or none): see evaluations/scaling.py
    scaling_cycles = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Scaling plan: paid payout cycles per step (N)"
    )
    scaling_min_profit_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Scaling plan: each cycle's paid profit ≥ this percent of the account size (X)",
    )
    scaling_growth_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Scaling plan: each step adds this percent of the program's size (Y)",
    )
    scaling_cap = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Scaling plan: the largest account size"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["program", "order"]
        constraints = [
            models.UniqueConstraint(fields=["program", "order"], name="phase_order_unique"),
            models.CheckConstraint(
                condition=models.Q(reset_hour__lte=23), name="phase_reset_hour_0_23"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="evaluation")
                | (
                    models.Q(profit_split__isnull=False) & models.Q(payout_cycle_days__isnull=False)
                ),
                name="funded_phase_has_split_and_cycle",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    scaling_cycles__isnull=True,
                    scaling_min_profit_percent__isnull=True,
                    scaling_growth_percent__isnull=True,
                    scaling_cap__isnull=True,
                )
                | models.Q(
                    kind="funded",
                    scaling_cycles__gte=1,
                    scaling_min_profit_percent__gte=0,
                    scaling_growth_percent__gt=0,
                    scaling_cap__gt=0,
                ),
                name="scaling_plan_complete_and_funded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.name} · {self.name}"

    def clean(self) -> None:
        if self.kind == PhaseKind.FUNDED and (
            self.profit_split is None or self.payout_cycle_days is None
        ):
            raise ValidationError("A funded phase needs a profit split and a payout cycle")

    @property
    def current_rule_set(self) -> "RuleSet | None":
        return self.rule_sets.order_by("-version").first()

    @property
    def next_phase(self) -> "Phase | None":
        return self.program.phases.filter(order__gt=self.order).order_by("order").first()


class RuleSet(models.Model):
    """A version of a phase's rules. Editing rules makes a new version; accounts keep theirs."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="rule_sets")
    version = models.PositiveIntegerField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["phase", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "version"], name="ruleset_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.phase} · rules v{self.version}"


class Rule(models.Model):
    """One typed rule with validated parameters (see `evaluations.rule_types`)."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=32, choices=RuleCode.choices)
    severity = models.CharField(max_length=4, choices=Severity.choices, default=Severity.HARD)
    params = models.JSONField(default=dict, blank=True)
    enforcement = models.CharField(
        max_length=20,
        choices=Enforcement.choices,
        blank=True,
        help_text="What a breach does on the platform; empty: close_and_disable for a hard "
        "rule, pause_until_reset for a pausing daily limit, flag for a soft rule",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["rule_set", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="rule_code_once_per_set"),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.params}"

    def save(self, *args, **kwargs):
        self.params = validate_params(self.code, self.params)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.params = validate_params(self.code, self.params)
        validate_severity(self.code, self.severity)
