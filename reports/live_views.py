"""The staff live monitor: who is nearest their loss limits, breaches and enforcement commands
as they happen (docs/staff-dashboards.md, "Live monitor").

The page renders its start (Redis's nearest list, the latest violations and commands from
PostgreSQL); static/js/live_monitor.js then follows `live_stream`, the server-sent events of
`live:events` plus a `nearest` event whenever the list changed (checked every second).
"""

from __future__ import annotations

from django.urls import reverse

from accounts.session_lifetime import background_poll
from evaluations.models import CommandKind, CommandStatus
from evaluations.rule_types import RuleCode
from live import selectors as live_selectors
from live.events import REDIS_ERRORS
from live.streams import event_stream

from .access import staff_view
from .models import VIEW_RISK_MONITOR
from .views import _page


def _every_event(event: dict) -> dict:
    return event


def _nearest() -> tuple[str, list[dict]]:
    return "nearest", live_selectors.nearest_to_limits()


@staff_view(VIEW_RISK_MONITOR)
def live_monitor(request):
    try:
        nearest, available = live_selectors.nearest_to_limits(), True
    except REDIS_ERRORS:
        nearest, available = [], False
    context = {
        "nearest": nearest,
        "live_available": available,
        "breaches": list(live_selectors.recent_breaches()),
        "commands": list(live_selectors.recent_commands()),
        # For the script: where a login links to, and the names of codes in events.
        "account_url": reverse("admin:evaluations_tradingaccount_change", args=[0]),
        "names": {
            "rules": dict(RuleCode.choices),
            "kinds": dict(CommandKind.choices),
            "statuses": dict(CommandStatus.choices),
        },
    }
    return _page(request, "reports/live_monitor.html", "reports:live", context)


@background_poll
@staff_view(VIEW_RISK_MONITOR)
def live_stream(request):
    """Every event of `live:events`, and `nearest` (the top 20) whenever it changed."""
    return event_stream(_every_event, periodic=_nearest)
