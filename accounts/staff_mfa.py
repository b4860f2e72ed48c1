"""Staff sessions need a second factor (TOTP) before they reach anything but sign-in.

A staff member can approve payouts, change rule sets and read every trader's data, so a stolen
password alone must not open the back office. A session counts as second-factor verified once
the user has, in this session, either passed allauth's TOTP step at sign-in (or a
reauthentication) or activated an authenticator by typing a code from it. Until then a staff
session reaches only the sign-in, two-factor and sign-out pages (under /accounts/) and static
files: without an authenticator it is sent to set one up; with one (a session that somehow
skipped the code step) it is signed out and sent to sign in again.

Who is staff: `is_staff`, `is_superuser`, or a member of any staff role group (admins, risk,
finance, support), wherever the request goes: a role group holds permissions without
`is_staff`, so a password alone must not open any page or API call to such a user (security
finding 2). Costs one small query per authenticated request of a user who is neither.

`STAFF_MFA_REQUIRED` (default on) switches it off for a deployment that signs staff in through
a single sign-on that already asks for a second factor.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.roles import STAFF_ROLES

SESSION_KEY = "propdesk_second_factor_at"
# Types that prove possession when used or activated (recovery codes only when used).
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def mark_second_factor(request: HttpRequest) -> None:
    """Record that this session passed a second factor (signal receivers and tests call it)."""
    request.session[SESSION_KEY] = time.time()


def has_second_factor(request: HttpRequest) -> bool:
    return SESSION_KEY in request.session


def is_staff_member(user) -> bool:
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=STAFF_ROLES).exists()


def _exempt(path: str) -> bool:
    """Sign-in, two-factor set-up, sign-out and static files stay reachable."""
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(("/accounts/", static, "/favicon.ico", "/healthz"))


def second_factor_refusal(request: HttpRequest) -> HttpResponse | None:
    """The redirect a staff session without a second factor gets, or None to let it through."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or has_second_factor(request):
        return None
    if _exempt(request.path_info):
        return None
    if not is_staff_member(user):
        return None
    next_query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
    if is_mfa_enabled(user, types=SECOND_FACTOR_TYPES):
        logout(request)
        messages.warning(request, "Sign in again with your authenticator code to continue.")
        return HttpResponseRedirect(f"{reverse('account_login')}?{next_query}")
    messages.info(
        request,
        "Staff accounts need two-factor authentication. Add an authenticator app to continue.",
    )
    return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{next_query}")


class StaffSecondFactorMiddleware:
    """Runs after authentication and messages middleware (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(settings, "STAFF_MFA_REQUIRED", True):
            refusal = second_factor_refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)


# --- signal receivers (connected in AccountsConfig.ready)


def authenticator_used(sender, request, user, authenticator, **kwargs) -> None:
    if request is not None:
        mark_second_factor(request)


def authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    # Activating TOTP means typing a valid code from the new authenticator.
    if request is not None and authenticator.type in SECOND_FACTOR_TYPES:
        mark_second_factor(request)


def authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    if request is not None and not is_mfa_enabled(user, types=SECOND_FACTOR_TYPES):
        request.session.pop(SESSION_KEY, None)


def connect() -> None:
    from allauth.mfa import signals

    signals.authenticator_used.connect(authenticator_used, dispatch_uid="staff_mfa_used")
    signals.authenticator_added.connect(authenticator_added, dispatch_uid="staff_mfa_added")
    signals.authenticator_removed.connect(authenticator_removed, dispatch_uid="staff_mfa_removed")
