from django.shortcuts import render
from django.utils import timezone

from accounts.access import portal_view
from portal.live_banner import banner
from portal.selectors import dashboard_rows


@portal_view
def home(request):
    """The trader's accounts, the one that needs attention first."""
    now = timezone.now()
    rows = dashboard_rows(request.user, now)
    attention = rows[0] if rows and rows[0].attention else None
    context = {
        "rows": rows,
        "attention": attention,
        "live_banner": banner((row.account for row in rows), now),
        "tz_name": str(request.trader_tz),
    }
    return render(request, "portal/home.html", context)
