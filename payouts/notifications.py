"""Who is told what about a payout: the trader on approval, rejection and payment; finance
(active users of the `finance` group) on a new request."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.notifications import role_recipients
from accounts.roles import FINANCE

from .models import PayoutAction, PayoutTransition

SUBJECTS = {
    PayoutAction.REQUESTED: "New payout request #{id}: {share} {currency} on {login}",
    PayoutAction.APPROVED: "Your payout #{id} of {share} {currency} is approved",
    PayoutAction.REJECTED: "Your payout request #{id} was rejected",
    PayoutAction.PAID: "Your payout #{id} of {share} {currency} is paid",
}


def finance_recipients() -> list[str]:
    """Finance: the active users of the `finance` group. Not settings.ADMINS: payout requests
    are finance's queue (four-eyes), not the site operators'."""
    return role_recipients(FINANCE, with_site_admins=False)


def recipients_for(transition: PayoutTransition) -> list[str]:
    if transition.action == PayoutAction.REQUESTED:
        return finance_recipients()
    return [transition.payout.account.trader.email]


def send_transition_email(transition: PayoutTransition) -> int:
    """Send the email about one payout step; returns the number of messages sent (0 or 1)."""
    recipients = recipients_for(transition)
    if not recipients:
        return 0
    payout = transition.payout
    context = {
        "payout": payout,
        "transition": transition,
        "account": payout.account,
        "trader": payout.account.trader,
        "site_url": settings.SITE_URL,
        "detail_url": settings.SITE_URL + reverse("payouts:detail", args=[payout.pk]),
    }
    subject = SUBJECTS[transition.action].format(
        id=payout.pk,
        share=payout.trader_share,
        currency=payout.currency,
        login=payout.account.login,
    )
    return send_mail(
        subject=subject,
        message=render_to_string(f"payouts/email/{transition.action}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
