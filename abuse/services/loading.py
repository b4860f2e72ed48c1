"""Reading what the detectors need, one query each: trades of a time window (the BRIN index on
open_time) or of some accounts (the (account, close_time) index), and identity facts."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.db import connection

from accounts.models import LoginRecord, TraderProfile
from evaluations.models import Trade, TradingAccount
from imports.models import TradeClientIp

from ..detectors.types import TradeFact

_COLUMNS = f"""
    SELECT t.id, t.account_id, a.trader_id, upper(t.symbol), t.side,
           (extract(epoch from t.open_time) * 1000)::bigint,
           (extract(epoch from t.close_time) * 1000)::bigint,
           (t.net * 100)::bigint
      FROM {Trade._meta.db_table} t
      JOIN {TradingAccount._meta.db_table} a ON a.id = t.account_id"""  # noqa: S608


def _facts(sql: str, params: list) -> list[TradeFact]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [TradeFact(*row) for row in cursor.fetchall()]


def trades_opened_between(start: dt.datetime, end: dt.datetime) -> list[TradeFact]:
    """Every account's trades opened in [start, end]."""
    return _facts(_COLUMNS + " WHERE t.open_time BETWEEN %s AND %s", [start, end])


def trades_of_accounts(account_ids: Iterable[int], since: dt.datetime) -> list[TradeFact]:
    """These accounts' trades closed since `since` (open ones are not imported)."""
    return _facts(
        _COLUMNS + " WHERE t.account_id = ANY(%s) AND t.close_time >= %s",
        [sorted(set(account_ids)), since],
    )


def batch_window(batch_id: int, account_ids: Iterable[int]) -> tuple | None:
    """(first, last) open time of the trades this import batch wrote, or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT min(open_time), max(open_time) FROM {Trade._meta.db_table} "  # noqa: S608
            "WHERE account_id = ANY(%s) AND import_batch_id = %s",
            [sorted(set(account_ids)), batch_id],
        )
        first, last = cursor.fetchone()
    return None if first is None else (first, last)


def _destination(details: str) -> str:
    """A payout destination compared without spaces or case, stored only as a digest."""
    normal = "".join(details.split()).upper()
    return hashlib.sha256(normal.encode()).hexdigest()[:32] if normal else ""


def identity_facts(trader_ids: Iterable[int] | None = None) -> list[tuple[int, str, str]]:
    """(trader, kind, value) for sign-in IPs and devices, bridge client IPs and payout
    destinations; limited to the values used by `trader_ids` when given."""
    logins = LoginRecord.objects.filter(user__trader_profile__isnull=False)
    bridges = TradeClientIp.objects.all()
    profiles = TraderProfile.objects.exclude(payout_details="")
    facts: list[tuple[int, str, str]] = []
    if trader_ids is not None:
        ids = sorted(set(trader_ids))
        ips = set(logins.filter(user_id__in=ids).values_list("ip", flat=True))
        ips |= set(bridges.filter(account__trader_id__in=ids).values_list("ip", flat=True))
        devices = set(logins.filter(user_id__in=ids).values_list("device_id", flat=True))
        logins = logins.filter(ip__in=ips - {None}) | logins.filter(device_id__in=devices - {""})
        bridges = bridges.filter(ip__in=ips - {None})
    for user_id, ip, device in logins.values_list("user_id", "ip", "device_id"):
        if ip:
            facts.append((user_id, "ip", ip))
        if device:
            facts.append((user_id, "device", device))
    facts.extend(
        (trader_id, "ip", ip) for trader_id, ip in bridges.values_list("account__trader_id", "ip")
    )
    facts.extend(
        (user_id, "payout_destination", _destination(details))
        for user_id, details in profiles.values_list("user_id", "payout_details")
    )
    return facts


def accounts_by_trader(trader_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    for trader_id, account_id in TradingAccount.objects.filter(
        trader_id__in=set(trader_ids)
    ).values_list("trader_id", "id"):
        found.setdefault(trader_id, []).append(account_id)
    return {t: tuple(sorted(a)) for t, a in found.items()}
