"""How every portal view is entered: logged in, never cached, times in the trader's zone."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.views.decorators.cache import never_cache

from evaluations.selectors import trader_timezone


def portal_view(view):
    """Require a login, render with the trader's time zone active, forbid caching.

    The zone is `request.trader_tz` for views that convert dates themselves. Scoping to the
    trader's own rows is the selectors' job (every read starts from `trader_accounts`).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.trader_tz = trader_timezone(request.user)
        with timezone.override(request.trader_tz):
            return view(request, *args, **kwargs)

    return login_required(never_cache(wrapper))
