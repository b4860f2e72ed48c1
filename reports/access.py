"""How every staff-area view is entered: staff status plus the dashboard's permission.

Anonymous visitors go to the login page; a logged-in user who is not staff, or lacks the
permission (a trader, support on the money dashboard), gets 403. Pages are never cached.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache

from .models import VIEW_FUNNEL, VIEW_LEADERBOARD, VIEW_MONEY, VIEW_RISK_MONITOR

STAFF_PERMISSIONS = (
    VIEW_RISK_MONITOR,
    VIEW_FUNNEL,
    VIEW_MONEY,
    VIEW_LEADERBOARD,
    "abuse.view_case",
)


def may_view(user, permission: str) -> bool:
    return user.is_active and user.is_staff and user.has_perm(permission)


def staff_view(*permissions: str):
    """Require a login, staff status and any one of `permissions`."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(may_view(request.user, p) for p in permissions):
                raise PermissionDenied("You may not see this staff dashboard.")
            return view(request, *args, **kwargs)

        return never_cache(wrapper)

    return decorate
