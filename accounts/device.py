"""The portal's stable device id: a random id in a long-lived cookie, set on the first response
to a browser that has none, and recorded with the IP and user agent at each sign-in
(`accounts.models.LoginRecord`, by `accounts.audit_receivers.login_succeeded`).

HttpOnly (no script reads it), SameSite=Lax, Secure where the session cookie is.
"""

from __future__ import annotations

import secrets

from django.conf import settings

COOKIE = "propdesk_device"
MAX_AGE = 5 * 365 * 24 * 3600


def device_id(request) -> str:
    """The browser's device id (a new one when the browser has none yet or sent garbage)."""
    existing = getattr(request, "propdesk_device_id", None)
    if existing:
        return existing
    sent = request.COOKIES.get(COOKIE, "")
    valid = len(sent) == 32 and all(c in "0123456789abcdef" for c in sent)
    request.propdesk_device_id = sent if valid else secrets.token_hex(16)
    return request.propdesk_device_id


class DeviceCookieMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        known = device_id(request)
        if request.COOKIES.get(COOKIE) != known:
            response.set_cookie(
                COOKIE,
                known,
                max_age=MAX_AGE,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response
