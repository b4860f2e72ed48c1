"""What the reports app keeps: one row per daily report, and the staff-area permissions.

The dashboards themselves store nothing: every figure is an aggregate query over the trading,
risk and payout tables (`reports.selectors`). The permissions live on `DailyReport` because
Django attaches custom permissions to a model; `accounts.roles` grants them per role.
"""

from django.db import models

VIEW_RISK_MONITOR = "reports.view_risk_monitor"
VIEW_FUNNEL = "reports.view_funnel"
VIEW_MONEY = "reports.view_money"
VIEW_LEADERBOARD = "reports.view_leaderboard"


class DailyReport(models.Model):
    """The daily email to admins for one day (UTC), sent at most once.

    The row is the claim: the task inserts it (unique on `day`), then takes it with a conditional
    UPDATE (`claimed_at` empty or stale, `sent_at` empty), so two runs of the task never both send.
    """

    day = models.DateField(unique=True, help_text="The day the report covers (UTC)")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="The key numbers as sent")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        permissions = [
            ("view_risk_monitor", "Can see the risk monitor dashboard"),
            ("view_funnel", "Can see the program funnel dashboard"),
            ("view_money", "Can see the money dashboard (fees, payouts, liability)"),
            ("view_leaderboard", "Can see the trader leaderboard and trader details"),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "claimed" if self.claimed_at else "pending"
        return f"Daily report {self.day} ({state})"
