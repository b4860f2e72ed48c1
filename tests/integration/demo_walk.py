"""Walk the seeded embedded demo as its users would and print every page's status as JSON.

Run as a script (not collected by pytest) with the demo's environment, e.g.
`DEBUG=true python -m config.embedded_postgres -- python tests/integration/demo_walk.py
admin@propdesk.local trader@propdesk.local …` after scripts/demo.sh seeded `.pgdata/`.
Each user logs in with the demo password; the output maps "email GET path" to the status code,
with the exception of each 500, plus the accounts that have no metrics, and how many payout
requests the payout pages list ("payout_rows": the finance queue for staff, the trader's own
requests on /payouts/).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib import admin  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.totp import current_code, totp_secret  # noqa: E402
from demo.seed import DEMO_PASSWORD  # noqa: E402
from evaluations.models import AccountStatus, TradingAccount  # noqa: E402
from payouts.models import PayoutRequest  # noqa: E402
from reports.access import may_view  # noqa: E402
from reports.models import VIEW_FUNNEL, VIEW_LEADERBOARD, VIEW_MONEY, VIEW_RISK_MONITOR  # noqa: E402
from reports.tables import TABLES  # noqa: E402
from risk.models import Violation  # noqa: E402

PAYOUT_PAGES = ("/payouts/", "/payouts/queue/")
PAYOUT_LINK = re.compile(r'href="/payouts/(\d+)/"')
# Staff dashboards and the permission each needs (reports.views); a staff user without it
# gets 403, which the walk records under "forbidden".
DASHBOARDS = {
    "/staff/risk/": VIEW_RISK_MONITOR,
    "/staff/risk/panel/": VIEW_RISK_MONITOR,
    "/staff/funnel/": VIEW_FUNNEL,
    "/staff/money/": VIEW_MONEY,
    "/staff/traders/": VIEW_LEADERBOARD,
}


def _trader_pages(user: User) -> list[str]:
    pages = ["/", "/payouts/"]
    for account in TradingAccount.objects.filter(trader=user).order_by("pk"):
        login = account.login
        pages += [
            reverse("portal:account", args=[login]),
            reverse("portal:journal", args=[login]),
            reverse("portal:journal_csv", args=[login]),
        ]
        if account.status == AccountStatus.FAILED:
            pages.append(reverse("portal:failure", args=[login]))
        violation = Violation.objects.filter(account=account).first()
        if violation is not None:
            pages.append(reverse("portal:violation", args=[login, violation.pk]))
        if account.status == AccountStatus.FUNDED:
            pages.append(reverse("payouts:account", args=[login]))
    return pages


def _admin_pages() -> list[str]:
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        name = f"admin:{meta.app_label}_{meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        first = model_admin.get_queryset(_Request()).order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"{name}_change", args=[first.pk]))
    return pages


class _Request:
    """Enough of a request for ModelAdmin.get_queryset outside a view."""

    user = None


def _pages_for(user: User) -> tuple[list[str], list[str]]:
    """(pages the user may open, staff dashboards the user's role may not see)."""
    if not user.is_staff:
        return _trader_pages(user), []
    pages = ["/", "/payouts/", "/staff/", "/admin/"]
    pages += [page for page, perm in DASHBOARDS.items() if may_view(user, perm)]
    forbidden = [page for page, perm in DASHBOARDS.items() if not may_view(user, perm)]
    demo_trader = User.objects.filter(email="trader@propdesk.local").first()
    if demo_trader is not None and may_view(user, VIEW_LEADERBOARD):
        pages.append(reverse("reports:trader", args=[demo_trader.pk]))
        pages += [
            reverse("reports:trader_export", args=[demo_trader.pk, slug])
            for slug, table in TABLES.items()
            if table.per_trader
        ]
    pages += [
        reverse("reports:export", args=[slug])
        for slug, table in TABLES.items()
        if not table.per_trader and may_view(user, table.permission)
    ]
    if user.groups.filter(name="finance").exists() or user.is_superuser:
        pages += ["/payouts/queue/", "/payouts/export.csv"]
        payout = PayoutRequest.objects.order_by("pk").first()
        if payout is not None:
            pages.append(reverse("payouts:detail", args=[payout.pk]))
    if user.is_superuser:
        pages += _admin_pages()
    return list(dict.fromkeys(pages)), forbidden


def _get(client: Client, page: str, errors: dict[str, str], label: str, rows: dict) -> int:
    try:
        response = client.get(page)
    except Exception as exc:  # noqa: BLE001 (reported, not hidden: counted as a 500)
        errors[label] = f"{type(exc).__name__}: {exc}"
        return 500
    if page in PAYOUT_PAGES:
        rows[label] = len(set(PAYOUT_LINK.findall(response.content.decode())))
    return response.status_code


def walk(emails: list[str]) -> dict:
    statuses: dict[str, int] = {}
    forbidden: dict[str, int] = {}
    errors: dict[str, str] = {}
    payout_rows: dict[str, int] = {}
    for email in emails:
        client = Client()
        response = client.post(
            reverse("account_login"), {"login": email, "password": DEMO_PASSWORD}
        )
        statuses[f"{email} POST login"] = response.status_code
        user = User.objects.get(email=email)
        if response.get("Location", "").startswith(reverse("mfa_authenticate")):
            # Staff: the second step asks for the code of the demo's authenticator secret.
            code = current_code(totp_secret(user))
            response = client.post(reverse("mfa_authenticate"), {"code": code})
            statuses[f"{email} POST authenticator code"] = response.status_code
        allowed, denied = _pages_for(user)
        for page in allowed:
            label = f"{email} GET {page}"
            statuses[label] = _get(client, page, errors, label, payout_rows)
        for page in denied:
            label = f"{email} GET {page}"
            forbidden[label] = _get(client, page, errors, label, payout_rows)
    missing = list(
        TradingAccount.objects.filter(metrics__isnull=True).values_list("login", flat=True)
    )
    return {
        "statuses": statuses,
        "forbidden": forbidden,
        "errors": errors,
        "payout_rows": payout_rows,
        "accounts": TradingAccount.objects.count(),
        "without_metrics": missing,
    }


if __name__ == "__main__":
    print(json.dumps(walk(sys.argv[1:])))
