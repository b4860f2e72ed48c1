"""Who gets a staff email: the one answer for every app that sends one.

A staff email goes to the active members of one role group (`accounts.roles`) who have an
address, and — for the desks that also watch the site (`risk`, `admins`) — to `settings.ADMINS`.
Addresses are compared case-insensitively, so a person listed twice gets one copy.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model


def role_recipients(role: str, *, with_site_admins: bool = True) -> list[str]:
    """Email addresses for role `role`: its active users with an address, plus
    `settings.ADMINS` when `with_site_admins`; lower-cased, deduplicated, sorted."""
    emails = {email.lower() for _, email in settings.ADMINS} if with_site_admins else set()
    users = get_user_model().objects.filter(groups__name=role, is_active=True).exclude(email="")
    emails.update(email.lower() for email in users.values_list("email", flat=True))
    return sorted(emails)
