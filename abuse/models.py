"""Abuse findings and the cases staff decide.

A `Finding` is what one detector found about some accounts (keyed, so a re-run updates it); a
`Case` groups the findings of one cluster of traders (connected through their findings) for the
risk desk to decide. An open case blocks payouts of its accounts (payouts.selectors).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from evaluations.models import TradingAccount

DECIDE_CASE = "abuse.decide_case"
VIEW_CASE = "abuse.view_case"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"


class Decision(models.TextChoices):
    CLEAR = "clear", "Clear (no abuse)"
    WARN = "warn", "Warn the traders"
    FAIL_ACCOUNTS = "fail_accounts", "Fail the accounts"
    DENY_PAYOUTS = "deny_payouts", "Deny payouts"
    BAN = "ban", "Ban the traders"


# Decisions after which the accounts may not be paid (payouts.selectors reads this).
PAYOUT_BLOCKING_DECISIONS = (Decision.DENY_PAYOUTS, Decision.BAN)


class Case(models.Model):
    status = models.CharField(max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    score = models.FloatField(default=0, help_text="0–1: 1 − Π(1 − finding score)")
    drivers = models.JSONField(
        default=list, blank=True, help_text="[{detector, score, share}] — what drives the score"
    )
    traders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="abuse_cases")
    accounts = models.ManyToManyField(TradingAccount, related_name="abuse_cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_abuse_cases",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("decide_case", "Can assign, comment on and decide abuse cases")]
        indexes = [models.Index(fields=["status", "-score"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", decision="")
                | (models.Q(status="decided") & ~models.Q(decision="")),
                name="abuse_case_decided_has_decision",
            )
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk} ({self.status}, score {self.score:.2f})"


class Finding(models.Model):
    detector = models.CharField(max_length=32)
    key = models.CharField(max_length=200, unique=True)
    score = models.FloatField()
    summary = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    trader_ids = ArrayField(models.BigIntegerField())
    account_ids = ArrayField(models.BigIntegerField())
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="findings")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.detector} {self.key} ({self.score:.2f})"


class CaseComment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Comment on case #{self.case_id} by {self.author_id}"
