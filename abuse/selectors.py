"""Read paths of the abuse app: the case queue, one case's page, and what payouts ask."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from accounts.models import LoginRecord
from evaluations.models import Trade, TradingAccount
from imports.models import TradeClientIp

from .models import PAYOUT_BLOCKING_DECISIONS, Case, CaseStatus

QUEUE_ORDER = {
    "score": ("-score", "-pk"),
    "opened": ("-opened_at", "-pk"),
    "-score": ("score", "pk"),
}
TIMELINE_LIMIT = 2_000  # trades per account on the case page


def case_queue(status: str = CaseStatus.OPEN, order: str = "score") -> QuerySet[Case]:
    return (
        Case.objects.filter(status=status)
        .select_related("assignee")
        .annotate(trader_count=Count("traders", distinct=True))
        .order_by(*QUEUE_ORDER.get(order, QUEUE_ORDER["score"]))
    )


def case_for_page(pk: int) -> Case:
    return Case.objects.select_related("assignee", "decided_by").get(pk=pk)


def open_case_ids(account: TradingAccount) -> list[int]:
    """Open cases naming this account: each holds its payouts (payouts.eligibility)."""
    return list(
        Case.objects.filter(status=CaseStatus.OPEN, accounts=account).values_list("pk", flat=True)
    )


def payout_denying_case_ids(account: TradingAccount) -> list[int]:
    """Decided cases that denied this account's payouts (deny payouts, ban)."""
    return list(
        Case.objects.filter(accounts=account, decision__in=PAYOUT_BLOCKING_DECISIONS).values_list(
            "pk", flat=True
        )
    )


def case_trades(case: Case) -> dict[TradingAccount, list[Trade]]:
    """The case's accounts with their trades (latest TIMELINE_LIMIT each), for one time axis."""
    accounts = case.accounts.select_related("trader").order_by("pk")
    return {
        account: list(
            Trade.objects.filter(account=account)
            .only("id", "ticket", "symbol", "side", "volume", "open_time", "close_time", "profit")
            .order_by("-open_time")[:TIMELINE_LIMIT]
        )
        for account in accounts
    }


def _identity_row(seen: dict, kind: str, value: str) -> dict:
    return seen.setdefault((kind, value), {"kind": kind, "value": value, "users": {}, "agent": ""})


def shared_identities(case: Case) -> list[dict]:
    """IPs and devices used by more than one of the case's traders: value, kind, who, when."""
    traders = list(case.traders.order_by("pk"))
    ids = [t.pk for t in traders]
    seen: dict[tuple[str, str], dict] = {}
    for user_id, ip, device, agent, at in LoginRecord.objects.filter(user_id__in=ids).values_list(
        "user_id", "ip", "device_id", "user_agent", "at"
    ):
        for kind, value in (("IP address", ip), ("device", device)):
            if value:
                row = seen.setdefault(
                    (kind, value), {"kind": kind, "value": value, "users": {}, "agent": ""}
                )
                row["users"][user_id] = max(at, row["users"].get(user_id, at))
                if kind == "device":
                    row["agent"] = agent
    for trader_id, ip in TradeClientIp.objects.filter(account__trader_id__in=ids).values_list(
        "account__trader_id", "ip"
    ):
        row = seen.setdefault(
            ("IP address", ip), {"kind": "IP address", "value": ip, "users": {}, "agent": ""}
        )
        row["users"].setdefault(trader_id, None)
    emails = {t.pk: t.email for t in traders}
    return [
        {**row, "traders": [emails[u] for u in sorted(row["users"])]}
        for row in seen.values()
        if len(row["users"]) > 1
    ]
