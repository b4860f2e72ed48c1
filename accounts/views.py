"""Account pages that tighten allauth's defaults for a firm that pays people by email identity."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.views import EmailView
from django.contrib import messages
from django.shortcuts import redirect


class VerifiedEmailChangeView(EmailView):
    """allauth's email page, except that an address becomes the sign-in (and payout-notice)
    address only once its owner confirmed it from that mailbox.

    allauth lets an unverified address be made primary when the user has no verified one yet
    (our traders' first address is the one the firm opened the account with, unverified);
    here "make primary" is refused for any unverified address. When the confirmed address is
    made primary, the old address is told (ACCOUNT_EMAIL_NOTIFICATIONS). Adding, removing or
    switching addresses needs a recent re-authentication (ACCOUNT_REAUTHENTICATION_REQUIRED).
    """

    def _action_primary(self, request, *args, **kwargs):
        address = EmailAddress.objects.filter(
            user=request.user, email__iexact=request.POST.get("email", "")
        ).first()
        if address is not None and not address.verified:
            messages.error(
                request,
                "Confirm the new address first: follow the link we sent to it.",
            )
            return redirect("account_email")
        return super()._action_primary(request, *args, **kwargs)
