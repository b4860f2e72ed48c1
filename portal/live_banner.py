"""The trader's near-limit banner (docs/portal.md, "Near-limit banner"): today's alerts of the
open accounts a page shows, and which live events the trader's stream passes on.

The page renders today's `LimitAlert` rows; static/js/live_banner.js then adds or raises an
alert on each `alert` event of these accounts, and shows the notice of a `breach`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse

from evaluations.models import TradingAccount
from live.selectors import todays_alerts

TRADER_EVENTS = ("alert", "breach")


def banner(accounts: Iterable[TradingAccount], now: dt.datetime) -> dict | None:
    """What the banner shows for these accounts (the open ones), or None without any open."""
    open_accounts = [account for account in accounts if account.is_open]
    if not open_accounts:
        return None
    return {
        "alerts": todays_alerts(open_accounts, now),
        "accounts": {str(account.pk): account.login for account in open_accounts},
        "stream_url": reverse("portal:live_stream"),
    }


def trader_filter(user_id: int, account_ids: Iterable[int]):
    """The stream's filter: alerts and breaches of the trader's own accounts, nothing else."""
    own = frozenset(account_ids)

    def accept(event: dict) -> dict | None:
        if event.get("type") not in TRADER_EVENTS or event.get("account_id") not in own:
            return None
        if str(event.get("trader_id")) != str(user_id):
            return None
        return event

    return accept
