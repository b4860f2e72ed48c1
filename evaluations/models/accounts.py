"""Trading accounts (one platform login in one phase) and their balance operations."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from .programs import MONEY, Phase, Program, RuleSet, validate_time_zone

# Futures platforms' names reach 48 characters (`EXPRESSApr3013436618!TopstepTrader!TopstepTrader`)
LOGIN_MAX_LENGTH = 64


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    FUNDED = "funded", "Funded"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (AccountStatus.ACTIVE, AccountStatus.FUNDED)


class TradingAccount(FSMModelMixin, models.Model):
    """One trader's platform login in one phase of a program.

    `rule_set` is the version in force when the account started; later edits of the
    phase's rules do not change it.
    """

    login = models.CharField(
        max_length=LOGIN_MAX_LENGTH, unique=True, help_text="Platform account login"
    )
    trader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trading_accounts"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="accounts")
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="accounts")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="accounts")
    initial_balance = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="USD")
    status = FSMField(
        max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE, protected=True
    )
    status_reason = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    previous_account = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_account",
        help_text="The account whose passed phase opened this one",
    )
    needs_review = models.BooleanField(
        default=False, help_text="A soft violation flagged this account for risk review"
    )
    broker_server = models.CharField(max_length=64, blank=True)
    server_tz = models.CharField(
        "server time zone",
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA zone the platform writes this account's times in (MT: the broker "
        "server, often Europe/Athens; NinjaTrader: the trader's PC). Empty: not set, files "
        "are read as UTC with a warning.",
    )
    bridge = models.ForeignKey(
        "evaluations.Bridge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        help_text="The platform bridge that runs this account (sends its ticks, obeys commands)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at", "login"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["trader", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(initial_balance__gt=0), name="account_initial_balance_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="account_ends_after_start",
            ),
        ]
        permissions = [
            ("approve_phase_advance", "Can approve opening the next phase after a pass"),
            ("reinstate_account", "Can reinstate a failed account"),
        ]

    def __str__(self) -> str:
        return f"{self.login} ({self.program.name}, {self.phase.name})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @transition(field=status, source=AccountStatus.ACTIVE, target=AccountStatus.PASSED)
    def mark_passed(self, at, reason: str = "") -> None:
        self.ended_at = at
        self.status_reason = reason or "All objectives met"

    @transition(field=status, source=list(OPEN_STATUSES), target=AccountStatus.FAILED)
    def mark_failed(self, at, reason: str) -> None:
        self.ended_at = at
        self.status_reason = reason

    @transition(
        field=status,
        source=[AccountStatus.ACTIVE, AccountStatus.FUNDED, AccountStatus.PASSED],
        target=AccountStatus.CLOSED,
    )
    def mark_closed(self, at, reason: str = "") -> None:
        self.ended_at = self.ended_at or at
        self.status_reason = reason or "Closed"

    @transition(
        field=status,
        source=AccountStatus.FAILED,
        target=RETURN_VALUE(AccountStatus.ACTIVE, AccountStatus.FUNDED),
        permission="evaluations.reinstate_account",
    )
    def reinstate(self, reason: str) -> str:
        """Undo a failure (e.g. after corrected data); funded accounts go back to funded."""
        self.ended_at = None
        self.status_reason = reason
        if self.phase.kind == "funded":
            return AccountStatus.FUNDED
        return AccountStatus.ACTIVE

    @transition(field=status, source=AccountStatus.ACTIVE, target=AccountStatus.FUNDED)
    def mark_funded(self, reason: str = "") -> None:
        """Used when an account is created directly in a funded phase."""
        self.status_reason = reason


class BalanceOperationKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal (payout)"
    ADJUSTMENT = "adjustment", "Adjustment"


class BalanceOperationStatus(models.TextChoices):
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class BalanceOperationQuerySet(models.QuerySet):
    def counted(self):
        """The operations that count toward balance, eligibility and metrics: approved ones."""
        return self.filter(status=BalanceOperationStatus.APPROVED)


APPROVE_BALANCE_OPERATION_PERMISSION = "evaluations.approve_balanceoperation"


class BalanceOperation(models.Model):
    """A non-trading balance change. `amount` is signed: deposits > 0, withdrawals < 0.

    Four-eyes: an operation staff add by hand is `pending` and counts nowhere until a different
    authorised person approves it (evaluations.services.balance); the system's own (a paid
    payout's withdrawal) is written `approved`. Readers use `BalanceOperation.objects.counted()`.
    """

    account = models.ForeignKey(
        TradingAccount, on_delete=models.CASCADE, related_name="balance_operations"
    )
    kind = models.CharField(max_length=12, choices=BalanceOperationKind.choices)
    amount = models.DecimalField(**MONEY)
    time = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=255)
    reference = models.CharField(
        max_length=64,
        blank=True,
        help_text="External reference (payout id, platform deal); unique per account when set",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10,
        choices=BalanceOperationStatus.choices,
        default=BalanceOperationStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = BalanceOperationQuerySet.as_manager()

    class Meta:
        ordering = ["account", "time"]
        permissions = [
            ("approve_balanceoperation", "Can approve or reject another person's balance operation")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="approved", decided_by=models.F("created_by")),
                name="balance_operation_approved_by_another",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="deposit") & models.Q(amount__gt=0))
                | (models.Q(kind="withdrawal") & models.Q(amount__lt=0))
                | (models.Q(kind="adjustment") & ~models.Q(amount=0)),
                name="balance_operation_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["account", "reference"],
                condition=~models.Q(reference=""),
                name="balance_operation_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        currency, login = self.account.currency, self.account.login
        return f"{self.get_kind_display()} {self.amount} {currency} on {login}"
