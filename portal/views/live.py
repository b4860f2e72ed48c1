from accounts.access import portal_view
from accounts.session_lifetime import background_poll
from live.streams import event_stream
from portal.live_banner import trader_filter
from portal.selectors import trader_accounts


@background_poll
@portal_view
def live_stream(request):
    """Server-sent events of the signed-in trader's own accounts: near-limit alerts, breaches."""
    own = trader_accounts(request.user).values_list("pk", flat=True)
    return event_stream(trader_filter(request.user.pk, own))
