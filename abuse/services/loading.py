"""Reading what the detectors need, one query each: trades of a time window (the BRIN index on
open_time) or of some accounts (the (account, close_time) index), and identity facts."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

import numpy as np
from django.db import connection
from psycopg import sql

from accounts.models import LoginRecord, TraderProfile
from evaluations.models import Trade, TradingAccount
from imports.models import TradeClientIp

from ..detectors.columns import BUY, SELL, TradeColumns

# Every field a bigint sent as 8 big-endian bytes and each row's fields concatenated, all rows
# in one bytea (string_agg): numpy reads the whole result in one call, where a Python tuple per
# trade (or psycopg's per-row COPY messages) cost seconds for a million trades. One value per
# row keeps the fields of a row together whatever order the aggregate sees the rows in. The
# symbol travels as hashtext(upper(symbol)), renumbered below (32-bit: two distinct symbols
# colliding is a ~1e-7 event per pair of symbols).
_FIELDS = ("id", "account", "trader", "symbol", "side", "open_ms", "close_ms", "net_cents")
_ROW = np.dtype([(f, ">i8") for f in _FIELDS])
_SELECT = sql.SQL(
    f"""
    SELECT string_agg(
           int8send(t.id::bigint) || int8send(t.account_id::bigint)
           || int8send(a.trader_id::bigint) || int8send(hashtext(upper(t.symbol))::bigint)
           || int8send((CASE WHEN t.side = 'sell' THEN {SELL} ELSE {BUY} END)::bigint)
           || int8send(floor(extract(epoch from t.open_time) * 1000)::bigint)
           || int8send(floor(extract(epoch from t.close_time) * 1000)::bigint)
           || int8send(coalesce(round(t.net * 100), 0)::bigint), ''::bytea)
      FROM {Trade._meta.db_table} t
      JOIN {TradingAccount._meta.db_table} a ON a.id = t.account_id
     WHERE {{where}}"""  # noqa: S608
)


def _columns(where: sql.Composable) -> TradeColumns:
    with connection.cursor() as cursor:
        cursor.execute(_SELECT.format(where=where).as_string(cursor.cursor.connection))
        (blob,) = cursor.fetchone()
    rows = np.frombuffer(bytes(blob or b""), dtype=_ROW)
    arrays = {f: rows[f].astype(np.int64) for f in _FIELDS}
    arrays["symbol"] = np.unique(arrays["symbol"], return_inverse=True)[1].astype(np.int64)
    return TradeColumns(*(arrays[f] for f in _FIELDS))


def trades_opened_between(start: dt.datetime, end: dt.datetime) -> TradeColumns:
    """Every account's trades opened in [start, end] (the BRIN index on open_time)."""
    return _columns(
        sql.SQL("t.open_time BETWEEN {} AND {}").format(sql.Literal(start), sql.Literal(end))
    )


def trades_of_accounts(
    account_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> TradeColumns:
    """These accounts' trades opened in [start, end] — the same trades of them the full scan
    reads (the (account, close_time) index finds them)."""
    return _columns(
        sql.SQL(
            "t.account_id = ANY({}) AND t.close_time >= {} AND t.open_time BETWEEN {} AND {}"
        ).format(
            sql.Literal(sorted(set(account_ids))),
            sql.Literal(start),
            sql.Literal(start),
            sql.Literal(end),
        )
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
