from django.shortcuts import render
from django.utils import timezone

from accounts.access import portal_view
from portal.selectors import dashboard_rows


@portal_view
def home(request):
    """The trader's accounts, the one that needs attention first."""
    rows = dashboard_rows(request.user, timezone.now())
    attention = rows[0] if rows and rows[0].attention else None
    return render(
        request,
        "portal/home.html",
        {"rows": rows, "attention": attention, "tz_name": str(request.trader_tz)},
    )
