"""Emails about the account lifecycle."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from evaluations.models import TradingAccount


def send_account_opened(account: TradingAccount) -> None:
    """Tell the trader a new account (first phase or next phase) is ready, with its login."""
    context = {"account": account, "site_url": settings.SITE_URL}
    send_mail(
        subject=f"Your {account.program.name} account {account.login} is open",
        message=render_to_string("evaluations/email/account_opened.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[account.trader.email],
    )
