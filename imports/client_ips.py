"""Storing the client IP a bridge reports per trade (`client_ip` on a trade item, optional)."""

from __future__ import annotations

import ipaddress

from evaluations.account_names import account_ids_by_name

from .models import TradeClientIp


def _address(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def record_client_ips(items: list) -> int:
    """Upsert (account, ticket) → client IP for the items that name a valid one and an account
    this firm knows; returns how many were stored. Items without one are left alone."""
    given = [
        (str(item.get("account", "")).strip(), str(item.get("ticket", "")).strip(), ip)
        for item in items
        if isinstance(item, dict) and (ip := _address(item.get("client_ip", "")))
    ]
    if not given:
        return 0
    accounts = account_ids_by_name()
    rows = {
        (accounts[login], ticket): TradeClientIp(account_id=accounts[login], ticket=ticket, ip=ip)
        for login, ticket, ip in given
        if login in accounts and ticket
    }
    TradeClientIp.objects.bulk_create(
        rows.values(),
        update_conflicts=True,
        unique_fields=["account", "ticket"],
        update_fields=["ip"],
    )
    return len(rows)
