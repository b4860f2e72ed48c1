"""Record the engine's breaches as Violation rows, once each, and let risk staff review them.

A breach's `key` is stable across recomputes, and (account, key) is unique in the database, so
inserting is `ON CONFLICT DO NOTHING`: evaluating twice, or two workers at once, never makes a
second row, and only rows inserted now are returned (and then notified).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import by_whom, record
from accounts.models import AuditAction
from risk.engine.types import AccountIn, Breach
from risk.models import Violation, ViolationStatus

from .metrics import stage
from .money import from_cents, from_ts, to_unit, unit_name

_COLUMNS = [
    ("account_id", "bigint", "{}"),
    ("rule_code", "text", "{}"),
    ("severity", "text", "{}"),
    ("key", "text", "{}"),
    ("threshold", "numeric", "{}"),
    ("observed", "numeric", "{}"),
    ("unit", "text", "{}"),
    ("time", "bigint", "to_timestamp({})"),
    ("day", "date", "{}"),
    ("message", "text", "{}"),
    ("evidence", "text", "{}::jsonb"),
    ("rule_set_id", "bigint", "{}"),
    ("rule_id", "bigint", "{}"),
]


@dataclass(frozen=True, slots=True)
class NewViolation:
    id: int
    account_id: int
    severity: str
    key: str


def ticket_lookup(account_in: AccountIn, breaches: Iterable[Breach]) -> dict[int, str]:
    """Trade id -> ticket for the trades the breaches cite (empty when they cite none)."""
    wanted = {i for b in breaches for i in b.trade_ids}
    if not wanted:
        return {}
    return {t.id: t.ticket for t in account_in.trades if t.id in wanted}


def evidence_of(breach: Breach, tickets: Mapping[int, str]) -> dict:
    """What explains the breach: trade ids and their tickets, the equity point, the details."""
    return {
        "trade_ids": list(breach.trade_ids),
        "tickets": [tickets.get(i, "") for i in breach.trade_ids],
        "snapshot_id": breach.snapshot_id,
        "details": breach.details,
    }


def violation_row(
    account_id: int,
    rule_set_id: int | None,
    rule_ids: Mapping[str, int],
    breach: Breach,
    tickets: Mapping[int, str],
) -> tuple:
    """One Violation's column values for `insert_new`."""
    return (
        account_id,
        breach.code,
        breach.severity,
        breach.key,
        to_unit(breach.threshold, breach.unit),
        to_unit(breach.observed, breach.unit),
        unit_name(breach.unit),
        breach.ts,
        breach.day,
        breach.message,
        json.dumps(evidence_of(breach, tickets), default=str),
        rule_set_id,
        rule_ids.get(breach.code),
    )


def enqueue_notifications(violation_ids: Iterable[int]) -> None:
    """Queue one notification task per violation (call from `transaction.on_commit`)."""
    from risk.tasks import send_violation_notification

    for violation_id in violation_ids:
        send_violation_notification.delay(violation_id)


def insert_new(rows: Sequence[tuple]) -> list[NewViolation]:
    """Insert violations whose (account, key) is not stored yet; return only those inserted.

    One COPY and one statement for any number of rows; rows sharing a key within the batch keep
    the first.
    """
    unique, seen = [], set()
    for row in rows:
        if (row[0], row[3]) not in seen:
            seen.add((row[0], row[3]))
            unique.append(row)
    if not unique:
        return []
    names = [c for c, _, _ in _COLUMNS]
    values = ", ".join(expr.format(f"u.{c}") for c, _, expr in _COLUMNS)
    sql = f"""
        INSERT INTO {Violation._meta.db_table}
               ({", ".join(names)}, status, failed_account, created_at)
        SELECT {values}, %s, false, %s FROM risk_staged_violations u
        ON CONFLICT (account_id, key) DO NOTHING
        RETURNING id, account_id, severity, key"""  # noqa: S608
    with connection.cursor() as cursor:
        stage(cursor, "risk_staged_violations", _COLUMNS, unique)
        cursor.execute(sql, [ViolationStatus.OPEN, timezone.now()])
        return [NewViolation(*r) for r in cursor.fetchall()]


def stored_keys(account_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Per account, the keys of its stored violations and their review status. Breaches whose
    key is stored are not inserted again; dismissed ones never fail an account."""
    keys: dict[int, dict[str, str]] = {}
    rows = Violation.objects.filter(account_id__in=list(account_ids)).values_list(
        "account_id", "key", "status"
    )
    for account_id, key, status in rows:
        keys.setdefault(account_id, {})[key] = status
    return keys


def live_key(breach: Breach) -> str | None:
    """The key the live monitors give this breach when they saw it first, or None.

    A position's breaches are keyed by trade id by the engine and by platform position id by
    the live path (the trade exists only once the position closes); a bridge's position id is
    the ticket its closed trade carries (docs/bridges.md), so the two name the same breach.
    """
    ticket = breach.details.get("ticket")
    if ticket is None or ":trade:" not in breach.key:
        return None
    return f"{breach.key.split(':trade:')[0]}:position:{ticket}"


def recorded(breach: Breach, stored: Mapping[str, str]) -> bool:
    """Whether this breach is already stored, under its own key or the live path's."""
    return breach.key in stored or live_key(breach) in stored


def dismissed(stored: dict[str, str]) -> set[str]:
    """The dismissed keys among one account's `stored_keys`."""
    return {key for key, status in stored.items() if status == ViolationStatus.DISMISSED}


def _review(violation: Violation, status: str, by) -> Violation:
    """Set the review status, stamp who and when, and audit it (one event, before → after)."""
    with transaction.atomic():
        violation = Violation.objects.select_for_update().get(pk=violation.pk)
        before = violation.status
        violation.status = status
        violation.reviewed_by = by
        violation.reviewed_at = timezone.now()
        violation.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        record(
            AuditAction.VIOLATION_REVIEWED,
            actor=by,
            obj=violation,
            summary=f"Violation #{violation.pk} ({violation.rule_code}) of account "
            f"{violation.account_id}: {before} → {status} by {by_whom(by)}",
            before={"status": before},
            after={"status": status},
        )
    return violation


def acknowledge_violation(violation: Violation, *, by) -> Violation:
    """Risk staff saw it and agree: the violation stays in force."""
    return _review(violation, ViolationStatus.ACKNOWLEDGED, by)


def dismiss_violation(violation: Violation, *, by) -> Violation:
    """Risk staff judged it wrong (e.g. bad data): a dismissed hard violation no longer fails the
    account on later evaluations. A failure it already caused is undone by reinstating the
    account (`TradingAccount.reinstate`), a separate, permissioned step."""
    return _review(violation, ViolationStatus.DISMISSED, by)


MONEY_DETAILS = frozenset({"base", "reference", "hwm", "lock_at", "floor", "limit", "equity"})


def describe_details(details: dict, currency: str) -> list[tuple[str, str]]:
    """The engine's evidence details as (label, text) for people: cents as money, `*_ts` epoch
    seconds as UTC times, the rest as given."""
    described = []
    for name, value in (details or {}).items():
        label = name.replace("_", " ")
        if isinstance(value, int) and not isinstance(value, bool):
            if name.endswith("_ts") or name == "moment":
                value = f"{from_ts(value):%Y-%m-%d %H:%M:%S} UTC"
                label = label.removesuffix(" ts")
            elif name in MONEY_DETAILS:
                value = f"{from_cents(value)} {currency}"
        described.append((label, str(value)))
    return described
