"""Who is told what about a payout: the trader on approval, rejection and payment; finance
(active users of the `finance` group) on a new request. About a change of where they are paid,
the trader, at their current address, at every step (payouts.payee)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.notifications import role_recipients
from accounts.roles import FINANCE

from .models import PayeeChange, PayoutAction, PayoutTransition

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


PAYEE_SUBJECTS = {
    "requested": "Confirm the change of your payout destination",
    "staff_requested": "A change of your payout destination was requested",
    "confirmed": "Your payout destination was changed",
    "approved": "Your payout destination was changed",
}


def send_payee_email(change: PayeeChange, step: str) -> int:
    """Email the trader (their address now, not one the change could have set) about one step
    of a payee change; the "requested" email carries the signed confirmation link."""
    from urllib.parse import urlencode

    from .payee import make_token

    trader = change.trader
    context = {
        "change": change,
        "trader": trader,
        "step": step,
        "cooling_off_hours": settings.PAYEE_COOLING_OFF_HOURS,
        "max_age_hours": settings.PAYEE_CONFIRMATION_MAX_AGE_HOURS,
        "page_url": settings.SITE_URL + reverse("payouts:destination"),
    }
    if step == "requested":
        query = urlencode({"token": make_token(change)})
        context["confirm_url"] = (
            f"{settings.SITE_URL}{reverse('payouts:destination_confirm')}?{query}"
        )
    return send_mail(
        subject=PAYEE_SUBJECTS[step],
        message=render_to_string("payouts/email/payee_change.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[trader.email],
    )
