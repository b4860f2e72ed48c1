"""People: the login user (email), the trader's profile, and staff roles (groups)."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
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
