"""Payout requests on funded accounts and the audit log of every transition.

The lifecycle (django-fsm-2, protected): requested → approved → paid, or rejected / cancelled.
Write it only through `payouts.services`; the database refuses what must never exist (two open
requests on one account, non-positive amounts, an approval by the requester, a payment without
approval or reference).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from accounts.models import PayoutMethod
from accounts.roles import FINANCE, acts_in_role
from evaluations.models import BalanceOperation, TradingAccount

from .addresses import masked

MONEY = {"max_digits": 18, "decimal_places": 2}

APPROVE_PERMISSION = "payouts.approve_payoutrequest"
PAY_PERMISSION = "payouts.pay_payoutrequest"
EXPORT_PERMISSION = "payouts.export_payoutrequest"
VIEW_PERMISSION = "payouts.view_payoutrequest"


class PayoutStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (PayoutStatus.REQUESTED, PayoutStatus.APPROVED)


def _is_requester(payout: "PayoutRequest", user) -> bool:
    return user.is_authenticated and user.pk == payout.requested_by_id


def is_finance_approver(user, permission: str = APPROVE_PERMISSION) -> bool:
    """Only members of the finance group approve, reject and pay payouts; the superuser flag
    alone does not count (accounts.roles.acts_in_role)."""
    return acts_in_role(user, FINANCE, permission)


def _may_approve(payout: "PayoutRequest", user) -> bool:
    """Four-eyes: a finance member and never the requester."""
    return is_finance_approver(user) and not _is_requester(payout, user)


def _may_pay(payout: "PayoutRequest", user) -> bool:
    return is_finance_approver(user, PAY_PERMISSION) and not _is_requester(payout, user)


class PayoutRequest(FSMModelMixin, models.Model):
    """A trader's request to be paid their share of a funded account's profit.

    `amount` is the gross profit withdrawn from the account when paid (≤ `eligible_amount`,
    the profit when requested); the trader receives `trader_share` = ⌊amount × split⌋.
    """

    account = models.ForeignKey(
        TradingAccount, on_delete=models.PROTECT, related_name="payout_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_requests"
    )
    status = FSMField(
        max_length=10,
        choices=PayoutStatus.choices,
        default=PayoutStatus.REQUESTED,
        protected=True,
    )
    currency = models.CharField(max_length=3)
    eligible_amount = models.DecimalField(**MONEY, help_text="Profit when requested")
    amount = models.DecimalField(**MONEY, help_text="Gross profit withdrawn when paid")
    split_percent = models.DecimalField(max_digits=5, decimal_places=2)
    trader_share = models.DecimalField(**MONEY, help_text="What the trader receives")
    cycle_start = models.DateTimeField(help_text="Start of the payout cycle this request closes")
    requested_at = models.DateTimeField(default=timezone.now)
    # Where this payout is paid, copied from the trader's profile when it is requested: the
    # queue, the detail page and the payment run read these, never the live profile.
    payout_method = models.CharField(max_length=10, choices=PayoutMethod.choices, blank=True)
    payout_details = models.TextField(blank=True)
    payee_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the destination last changed before the request (cooling-off)",
    )

    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="First of two approvers (above the second-approver threshold)",
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who rejected or cancelled",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=128, blank=True)
    withdrawal = models.OneToOneField(
        BalanceOperation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_request",
    )
    payment_run = models.ForeignKey(
        "PaymentRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
        help_text="The payment run this approved payout is paid in",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        permissions = [
            ("approve_payoutrequest", "Can approve or reject payout requests"),
            ("pay_payoutrequest", "Can mark approved payout requests paid"),
            ("export_payoutrequest", "Can export paid payout requests for the payment run"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=["requested", "approved"]),
                name="payout_one_open_request_per_account",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount__lte=F("eligible_amount")), name="payout_amount_within_eligible"
            ),
            models.CheckConstraint(
                condition=Q(trader_share__gte=0) & Q(trader_share__lte=F("amount")),
                name="payout_trader_share_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(split_percent__gte=0) & Q(split_percent__lte=100),
                name="payout_split_0_100",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("requested_by")),
                name="payout_approver_not_requester",
            ),
            models.CheckConstraint(
                condition=Q(first_approved_by__isnull=True)
                | (
                    ~Q(first_approved_by=F("requested_by"))
                    & (Q(approved_by__isnull=True) | ~Q(approved_by=F("first_approved_by")))
                ),
                name="payout_two_distinct_approvers",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"])
                | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="payout_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid")
                | (
                    Q(paid_at__isnull=False)
                    & Q(paid_by__isnull=False)
                    & ~Q(payment_reference="")
                    & Q(withdrawal__isnull=False)
                ),
                name="payout_paid_has_reference_and_withdrawal",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="payout_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Payout #{self.pk} {self.trader_share} {self.currency} on {self.account.login} "
            f"({self.get_status_display()})"
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def payout_details_masked(self) -> str:
        return masked(self.payout_details)

    @property
    def payee_cooling_off_until(self):
        """Until when no payout to this destination is approved (PAYEE_COOLING_OFF_HOURS after
        its last change); None when it never changed."""
        if self.payee_changed_at is None:
            return None
        return self.payee_changed_at + timedelta(hours=settings.PAYEE_COOLING_OFF_HOURS)

    @property
    def payee_in_cooling_off(self) -> bool:
        until = self.payee_cooling_off_until
        return until is not None and timezone.now() < until

    @property
    def payee_changed_recently(self) -> bool:
        """The destination changed within the cooling-off window before the request: the
        payment run flags it for a second look."""
        until = self.payee_cooling_off_until
        return until is not None and self.requested_at < until

    # Transitions: the services lock the row, check the business rules, then call these.
    @transition(
        field=status,
        source=PayoutStatus.REQUESTED,
        target=PayoutStatus.APPROVED,
        permission=_may_approve,
    )
    def approve(self, by, at) -> None:
        self.approved_by = by
        self.approved_at = at

    @transition(
        field=status,
        source=list(OPEN_STATUSES),
        target=PayoutStatus.REJECTED,
        permission=lambda payout, user: is_finance_approver(user),
    )
    def reject(self, by, at, reason: str) -> None:
        self.decided_by = by
        self.decided_at = at
        self.rejection_reason = reason

    @transition(
        field=status,
        source=PayoutStatus.REQUESTED,
        target=PayoutStatus.CANCELLED,
        permission=_is_requester,
    )
    def cancel(self, by, at) -> None:
        self.decided_by = by
        self.decided_at = at

    @transition(
        field=status,
        source=PayoutStatus.APPROVED,
        target=PayoutStatus.PAID,
        permission=_may_pay,
    )
    def mark_paid(self, by, at, reference: str, withdrawal: BalanceOperation) -> None:
        self.paid_by = by
        self.paid_at = at
        self.payment_reference = reference
        self.withdrawal = withdrawal


class PayoutAction(models.TextChoices):
    REQUESTED = "requested", "Requested"
    FIRST_APPROVAL = "first_approval", "First approval (1 of 2)"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    PAID = "paid", "Paid"


class PayoutTransition(models.Model):
    """One audited step of a payout request: who, when, from, to, why."""

    payout = models.ForeignKey(PayoutRequest, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=16, choices=PayoutAction.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, choices=PayoutStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, help_text="Why: rejection reason, payment reference…")
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the email about this step left (sent once)"
    )

    class Meta:
        ordering = ["payout", "at", "id"]
        constraints = [
            # Each step happens at most once per request, whatever the timing.
            models.UniqueConstraint(fields=["payout", "action"], name="payout_transition_once"),
        ]

    def __str__(self) -> str:
        steps = f"{self.from_status or '∅'} → {self.to_status}"
        return f"#{self.payout_id} {steps} by {self.by_id} at {self.at:%Y-%m-%d %H:%M}"


class PayeeChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation or approval"
    APPLIED = "applied", "Applied"
    CANCELLED = "cancelled", "Cancelled"


class PayeeChangeSource(models.TextChoices):
    TRADER = "trader", "Trader (confirmed by email)"
    STAFF = "staff", "Staff (approved by a second person)"


class PayeeChange(models.Model):
    """A change of where a trader is paid: pending until the trader follows the emailed link
    (their own change) or a second staff member approves it (a staff change); only then does
    the profile change. Written only by `payouts.payee`."""

    trader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payee_changes"
    )
    source = models.CharField(max_length=10, choices=PayeeChangeSource.choices)
    status = models.CharField(
        max_length=10, choices=PayeeChangeStatus.choices, default=PayeeChangeStatus.PENDING
    )
    payout_method = models.CharField(max_length=10, choices=PayoutMethod.choices)
    payout_details = models.TextField()
    previous_method = models.CharField(max_length=10, blank=True)
    previous_details = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The trader who confirmed, or the second staff member who approved",
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["trader", "status", "applied_at"])]
        permissions = [("approve_payeechange", "Can approve a staff change of a payee")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="applied")
                | (Q(applied_by__isnull=False) & Q(applied_at__isnull=False)),
                name="payee_change_applied_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(source="staff")
                | Q(applied_by__isnull=True)
                | ~Q(applied_by=F("requested_by")),
                name="payee_change_staff_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"Payee change #{self.pk} of {self.trader_id} → {self.payout_method} ({self.status})"


class PaymentRunStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    EXPORTED = "exported", "Exported for the bank"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"


OPEN_RUN_STATUSES = (PaymentRunStatus.DRAFT, PaymentRunStatus.EXPORTED)


class PaymentRun(models.Model):
    """A batch of approved payouts in one currency, exported for the bank (CSV, SEPA
    pain.001) and marked paid in one step with the bank's reference. Written only by
    `payouts.payment_runs`; a payout belongs to at most one open run
    (`PayoutRequest.payment_run`)."""

    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentRunStatus.choices, default=PaymentRunStatus.DRAFT
    )
    message_id = models.CharField(
        max_length=35, unique=True, help_text="pain.001 MsgId: unique per run"
    )
    total = models.DecimalField(**MONEY, help_text="What the traders receive, summed")
    payout_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    exported_at = models.DateTimeField(null=True, blank=True)
    bank_reference = models.CharField(max_length=100, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="paid")
                | (Q(paid_by__isnull=False) & Q(paid_at__isnull=False) & ~Q(bank_reference="")),
                name="payment_run_paid_has_reference",
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="payment_run_total_positive"),
        ]

    def __str__(self) -> str:
        return f"Payment run #{self.pk}: {self.payout_count} payouts, {self.total} {self.currency}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RUN_STATUSES
