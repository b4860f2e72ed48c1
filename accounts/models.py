"""People: the login user (email), the trader's profile, staff roles (groups), and the audit log."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an email address: a trader, a staff member, or both."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def in_role(self, role: str) -> bool:
        return self.groups.filter(name=role).exists()


class KycStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class PayoutMethod(models.TextChoices):
    BANK = "bank", "Bank transfer"
    CRYPTO = "crypto", "Crypto (USDT)"
    WISE = "wise", "Wise"


class TraderProfile(models.Model):
    """What the firm knows about a trader: where they live, KYC, where to pay them."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="trader_profile")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. DE")
    kyc_status = models.CharField(
        max_length=10, choices=KycStatus.choices, default=KycStatus.PENDING
    )
    kyc_verified_at = models.DateTimeField(null=True, blank=True)
    payout_method = models.CharField(
        max_length=10, choices=PayoutMethod.choices, default=PayoutMethod.BANK
    )
    payout_details = models.TextField(
        blank=True, help_text="IBAN and holder, wallet address… as the payment run needs it"
    )
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="Shown times in the portal use this zone"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="trader_country_iso2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.email} ({self.country}, KYC {self.kyc_status})"


class AuditAction(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", "Login succeeded"
    LOGIN_FAILED = "login_failed", "Login failed"
    PROGRAM_CHANGED = "program_changed", "Program or phase changed"
    RULESET_CREATED = "ruleset_created", "Rule set created"
    RULESET_CHANGED = "ruleset_changed", "Rule set changed"
    RULE_CHANGED = "rule_changed", "Rule changed"
    RULE_DELETED = "rule_deleted", "Rule deleted"
    ACCOUNT_OPENED = "account_opened", "Account opened"
    ACCOUNT_STATUS_CHANGED = "account_status_changed", "Account status changed"
    ACCOUNT_CHANGED = "account_changed", "Account details changed"
    ACCOUNT_SCALED = "account_scaled", "Account scaled up"
    TRADE_CHANGED = "trade_changed", "Trade changed"
    TRADE_DELETED = "trade_deleted", "Trade deleted"
    BALANCE_OPERATION_ADDED = "balance_op_added", "Balance operation added"
    PAYOUT_TRANSITION = "payout_transition", "Payout transition"
    IMPORT_COMMITTED = "import_committed", "Import committed"
    IMPORT_REJECTED = "import_rejected", "Import rejected"
    PROFILE_CHANGED = "profile_changed", "Trader profile changed"
    BALANCE_OPERATION_APPROVED = "balance_op_approved", "Balance operation approved"
    BALANCE_OPERATION_REJECTED = "balance_op_rejected", "Balance operation rejected"
    ROLE_CHANGED = "role_changed", "Roles or privileges changed"
    ROLE_GRANT_REQUESTED = "role_grant_requested", "Role grant requested"
    ROLE_GRANT_REJECTED = "role_grant_rejected", "Role grant rejected"
    PAYEE_CHANGE = "payee_change", "Payout destination change"
    PAYMENT_RUN = "payment_run", "Payment run"
    VIOLATION_REVIEWED = "violation_reviewed", "Violation reviewed"
    VIEW_AS_STARTED = "view_as_started", "Started viewing as a trader"
    VIEW_AS_ENDED = "view_as_ended", "Stopped viewing as a trader"
    ABUSE_CASE = "abuse_case", "Abuse case assigned, commented or decided"
    USER_BANNED = "user_banned", "User banned"
    PLATFORM_COMMAND = "platform_command", "Platform command issued or acknowledged"


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only: they cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")


class AuditEvent(models.Model):
    """One thing that happened, who did it and to what: written once, never changed.

    Written only by `accounts.audit.record`. `actor_email` keeps the actor's address after the
    user is deleted; for a failed login it is the address the visitor typed (actor is null).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.EmailField(blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64, blank=True, help_text='e.g. "evaluations.rule"')
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.TextField()
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()}: {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only: they cannot be updated")
        # A new row with a preset pk must still be an INSERT, never an UPDATE of that pk.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")


class RoleGrantStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class RoleGrantRequest(models.Model):
    """Four-eyes on privileges: one admin asks to give a user a sensitive role (`finance`,
    `admins`) or the superuser flag; it is applied only when a different admin approves it
    (accounts.services.approve_role_grant). Nobody asks for, or approves, their own."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grant_requests")
    role = models.CharField(max_length=32, help_text='A role group, or "superuser"')
    status = models.CharField(
        max_length=10, choices=RoleGrantStatus.choices, default=RoleGrantStatus.PENDING
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(status="pending"),
                name="role_grant_one_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("user")),
                name="role_grant_not_for_oneself",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending")
                | (
                    models.Q(decided_by__isnull=False)
                    & ~models.Q(decided_by=models.F("user"))
                    & (models.Q(status="rejected") | ~models.Q(decided_by=models.F("requested_by")))
                ),
                name="role_grant_decided_by_another_admin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} for {self.user.email} ({self.status})"


class LoginRecord(models.Model):
    """Where a user signed in from: the client IP, the browser's user agent and the portal's
    stable device id (a long-lived cookie, accounts.device). Read by the abuse detectors to find
    traders sharing an address or a device."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_records")
    at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    device_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["ip"], name="login_record_ip"),
            models.Index(fields=["device_id"], name="login_record_device"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} from {self.ip} at {self.at:%Y-%m-%d %H:%M}"
