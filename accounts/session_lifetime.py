"""How long a signed-in session lives (security finding 12).

- Idle timeout (`SESSION_IDLE_SECONDS`, default `SESSION_COOKIE_AGE`, 8 h): a session unused
  for that long is signed out. Only what a person does counts as use: a background poll (a view
  marked `@background_poll`, such as the risk monitor's htmx refresh) neither saves the session
  nor moves its last-use time, so a monitor left open overnight no longer keeps it alive.
- Absolute lifetime for staff (`STAFF_SESSION_MAX_SECONDS`, default 12 h): however busy, a staff
  session ends that long after sign-in; they sign in again with their second factor.

Times are kept in the session (`LAST_USE_KEY`, `STARTED_KEY`, epoch seconds).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.staff_mfa import is_staff_member

LAST_USE_KEY = "propdesk_last_use_at"
STARTED_KEY = "propdesk_signed_in_at"


def background_poll(view):
    """Mark a view that pages call by themselves (polls): it does not count as use."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    wrapper.background_poll = True
    return wrapper


def idle_seconds() -> int:
    return int(getattr(settings, "SESSION_IDLE_SECONDS", settings.SESSION_COOKIE_AGE))


def staff_max_seconds() -> int:
    return int(getattr(settings, "STAFF_SESSION_MAX_SECONDS", 12 * 60 * 60))


def session_expiry(request: HttpRequest, now: float) -> str | None:
    """Why this signed-in session is over ("idle", "lifetime"), or None while it lives."""
    session = request.session
    last_use = session.get(LAST_USE_KEY)
    if last_use is not None and now - last_use > idle_seconds():
        return "idle"
    started = session.get(STARTED_KEY)
    overdue = started is not None and now - started > staff_max_seconds()
    return "lifetime" if overdue and is_staff_member(request.user) else None


class SessionLifetimeMiddleware:
    """After authentication and messages; before the staff second-factor middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        poll = getattr(view, "background_poll", False)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            # A poll (or any htmx request) of an expired session: tell htmx to send the page to
            # sign-in, instead of swapping the sign-in form into the panel.
            background = poll or request.headers.get("HX-Request")
            return _signed_out(request) if background else None
        now = time.time()
        reason = session_expiry(request, now)
        if reason is not None:
            logout(request)
            messages.info(
                request,
                "You were signed out after a period without activity."
                if reason == "idle"
                else "Staff sessions last at most "
                f"{staff_max_seconds() // 3600} hours. Sign in again to continue.",
            )
            if poll or request.headers.get("HX-Request"):
                return _signed_out(request)
            return HttpResponseRedirect(_login_url(request.get_full_path()))
        session = request.session
        session.setdefault(STARTED_KEY, now)
        if not poll:
            session[LAST_USE_KEY] = now
        return None


def _login_url(next_path: str) -> str:
    return f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_path})}"


def _signed_out(request: HttpRequest) -> HttpResponse:
    """401 for a background request; htmx follows HX-Redirect to sign in again, coming back to
    the page that polled."""
    response = HttpResponse("Signed out", status=401, content_type="text/plain")
    page = urlsplit(request.headers.get("HX-Current-URL") or "/").path or "/"
    response["HX-Redirect"] = _login_url(page)
    return response


def session_started(sender, request, user, **kwargs) -> None:
    """Stamp a new session at sign-in (the middleware stamps sessions older than this code)."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[STARTED_KEY] = now
        request.session[LAST_USE_KEY] = now


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(session_started, dispatch_uid="session_lifetime_started")
