"""The trader's near-limit email: once per alert, claimed like a violation's (risk.notifications).

The claim is one atomic UPDATE of `emailed_at`; a re-delivered or concurrent task finds it set
and sends nothing. If sending raises, the claim is released so the retry sends.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from live.models import LimitAlert, LimitKind

WORDS = {LimitKind.DAILY: "daily loss", LimitKind.TOTAL: "maximum loss"}


def _message(alert: LimitAlert) -> dict | None:
    account = alert.account
    trader = account.trader
    if not trader.email:
        return None
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    context = {
        "alert": alert,
        "account": account,
        "trader": trader,
        "limit_words": WORDS[alert.limit],
        "equity": f"{alert.equity:,.2f}",
        "floor": f"{alert.floor:,.2f}",
        "room": f"{alert.equity - alert.floor:,.2f}",
        "time_utc": alert.time.strftime("%Y-%m-%d %H:%M:%S"),
        "pauses": False,
        "site_url": site + reverse("portal:account", kwargs={"login": account.login}),
    }
    return {
        "subject": f"Account {account.login}: {alert.level} % of your {WORDS[alert.limit]} "
        "room used",
        "message": render_to_string("live/email/limit_alert.txt", context),
        "recipient_list": [trader.email],
    }


def send_limit_alert(alert_id: int) -> bool:
    """Email the trader about one near-limit alert, once ever. True if this call sent it."""
    now = timezone.now()
    if not LimitAlert.objects.filter(pk=alert_id, emailed_at__isnull=True).update(emailed_at=now):
        return False
    try:
        alert = LimitAlert.objects.select_related(
            "account__trader", "account__program", "account__phase"
        ).get(pk=alert_id)
        message = _message(alert)
        if message is None:
            return False
        send_mail(from_email=settings.DEFAULT_FROM_EMAIL, **message)
    except BaseException:
        LimitAlert.objects.filter(pk=alert_id, emailed_at=now).update(emailed_at=None)
        raise
    return True
