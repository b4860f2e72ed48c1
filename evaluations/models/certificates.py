"""Certificates: a shareable record that a trader passed a phase or was paid a payout."""

import secrets

from django.db import models

from .accounts import TradingAccount
from .programs import MONEY


def new_public_id() -> str:
    """128 random bits, URL-safe: the certificate's address, unguessable by design."""
    return secrets.token_urlsafe(16)


class CertificateKind(models.TextChoices):
    PHASE_PASSED = "phase_passed", "Phase passed"
    PAYOUT = "payout", "Payout"


class Certificate(models.Model):
    """Issued once per event (`event_key`): "pass:<account id>" or "payout:<payout id>".

    The public page shows only `trader_name` (first name and initial of the last name, fixed at
    issue), the program, the phase, the amount of a payout and the date.
    """

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    kind = models.CharField(max_length=16, choices=CertificateKind.choices)
    event_key = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(
        TradingAccount, on_delete=models.PROTECT, related_name="certificates"
    )
    trader_name = models.CharField(max_length=80)
    program_name = models.CharField(max_length=120)
    phase_name = models.CharField(max_length=120)
    amount = models.DecimalField(**MONEY, null=True, blank=True, help_text="Payouts: paid")
    currency = models.CharField(max_length=3)
    issued_on = models.DateField(help_text="Date of the event (UTC)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="payout", amount__isnull=False)
                | models.Q(kind="phase_passed", amount__isnull=True),
                name="certificate_amount_only_for_payouts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} certificate of {self.trader_name} ({self.issued_on})"
