"""How every trader page (portal, payouts) is entered: logged in, never cached, times in the
trader's zone."""

from __future__ import annotations

from functools import wraps
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.models import TraderProfile


def trader_timezone(user) -> ZoneInfo:
    """The zone the trader reads times in (TraderProfile.timezone); UTC without a profile."""
    name = TraderProfile.objects.filter(user_id=user.pk).values_list("timezone", flat=True).first()
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


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
