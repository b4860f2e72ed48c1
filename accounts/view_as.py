"""View as trader: support and risk see a trader's portal pages as the trader sees them, and
can change nothing there (django-hijack, restricted and audited).

- Who: an active member of the `support` or `risk` role may view as an active trader; never
  as a staff member or superuser (`accounts.staff_mfa.is_staff_member`), never as themselves,
  never from inside another view-as (`may_view_as`, django-hijack's `HIJACK_PERMISSION_CHECK`).
- Read only: while viewing, every request with a non-safe method (POST, PUT, PATCH, DELETE)
  is refused with 403, except the one that stops viewing (`ReadOnlyWhileViewingAsMiddleware`).
- Audited: starting and stopping write `view_as_started` / `view_as_ended` with the staff
  member as actor and the trader as the object; the sign-in as the trader that django-hijack
  performs is not recorded as the trader's login.
- Sessions: hijack signs in as the trader and back (each a new session); the staff member's
  second-factor mark and sign-in time are carried across, so stopping lands back in the staff
  session (not at a new sign-in) and the staff session's absolute lifetime keeps counting
  from the real sign-in (accounts/session_lifetime.py, accounts/staff_mfa.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import path, reverse
from hijack import signals
from hijack.views import AcquireUserView, ReleaseUserView

from accounts.audit import record
from accounts.models import AuditAction
from accounts.roles import RISK, SUPPORT, acts_in_role
from accounts.session_lifetime import STARTED_KEY
from accounts.staff_mfa import SESSION_KEY as SECOND_FACTOR_KEY
from accounts.staff_mfa import is_staff_member

VIEW_AS_ROLES = (SUPPORT, RISK)
HISTORY_KEY = "hijack_history"  # django-hijack's own session key
CARRIED_KEYS = (SECOND_FACTOR_KEY, STARTED_KEY)
STASH_KEY = "propdesk_view_as_staff_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def may_view_as(*, hijacker, hijacked) -> bool:
    """Support or risk, viewing as an active trader (not staff, not themselves)."""
    if getattr(hijacker, "is_hijacked", False) or hijacker.pk == hijacked.pk:
        return False
    if not any(acts_in_role(hijacker, role) for role in VIEW_AS_ROLES):
        return False
    return hijacked.is_active and not is_staff_member(hijacked)


def is_viewing_as(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(HISTORY_KEY))


class StartViewingAs(AcquireUserView):
    """django-hijack's acquire view, keeping the staff session's marks for the way back."""

    def post(self, request, *args, **kwargs):
        carried = {key: request.session[key] for key in CARRIED_KEYS if key in request.session}
        request.propdesk_viewing_as = True  # the sign-in as the trader is not their login
        response = super().post(request, *args, **kwargs)
        request.session[STASH_KEY] = carried
        return response


class StopViewingAs(ReleaseUserView):
    """django-hijack's release view, restoring the staff session's marks."""

    def post(self, request, *args, **kwargs):
        carried = request.session.get(STASH_KEY, {})
        request.propdesk_viewing_as = True
        response = super().post(request, *args, **kwargs)
        request.session.update(carried)
        return response


urlpatterns = [
    path("acquire/", StartViewingAs.as_view(), name="acquire"),
    path("release/", StopViewingAs.as_view(), name="release"),
]


class ReadOnlyWhileViewingAsMiddleware:
    """403 for any non-safe method while viewing as a trader, except stopping (after the
    session and authentication middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in SAFE_METHODS
            and is_viewing_as(request)
            and request.path_info != reverse("hijack:release")
        ):
            return HttpResponseForbidden(
                "Read only: you are viewing the portal as a trader. Stop viewing to act.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


# --- audit receivers (connected in AccountsConfig.ready)


def view_as_started(sender, request, hijacker, hijacked, **kwargs) -> None:
    record(
        AuditAction.VIEW_AS_STARTED,
        actor=hijacker,
        obj=hijacked,
        summary=f"{hijacker.email} started viewing the portal as {hijacked.email} (read only)",
        request=request,
    )


def view_as_ended(sender, request, hijacker, hijacked, **kwargs) -> None:
    record(
        AuditAction.VIEW_AS_ENDED,
        actor=hijacker,
        obj=hijacked,
        summary=f"{hijacker.email} stopped viewing the portal as {hijacked.email}",
        request=request,
    )


def connect() -> None:
    signals.hijack_started.connect(view_as_started, dispatch_uid="audit_view_as_started")
    signals.hijack_ended.connect(view_as_ended, dispatch_uid="audit_view_as_ended")
