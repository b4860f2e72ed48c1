"""Recording a breach the live monitor found: one transaction, then the notices.

In one PostgreSQL transaction, with the account row locked: the breaching tick as an
`EquitySnapshot` (the violation's evidence, which later engine recomputes also see) and as a
`LiveTick`; the `Violation` (inserted once by its key: a breach seen again after a monitor
restart inserts nothing and does nothing more); for a hard breach of an open account the
failure; the platform command the rule's enforcement policy asks for (the outbox row). After the
commit: the risk desk's and the trader's emails (Celery, once per violation ever), the `breach`
event for the live views, and a recompute of the account's metrics.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction

from evaluations import hooks
from evaluations.events import publish
from evaluations.models import EquitySnapshot, Rule, TradingAccount, effective_enforcement
from evaluations.models.accounts import OPEN_STATUSES
from evaluations.services import accounts as account_services
from evaluations.services import commands
from live.models import TickReason
from live.services import bars
from risk.engine.types import Breach
from risk.models import Violation
from risk.services import violations
from risk.services.money import from_cents, from_ts

EQUITY_RULES = frozenset({"max_daily_loss", "max_total_loss"})


@dataclasses.dataclass(frozen=True, slots=True)
class Seen:
    """The tick (or position set) at which the monitor saw the breach."""

    ts: int
    balance: int  # cents
    equity: int  # cents
    received_ms: int
    positions: tuple = ()  # [id, symbol, side, volume, open_ts, open_price, profit] rows
    pause_until: int | None = None  # the next reset, for pause_until_reset


def _evidence_snapshot(account: TradingAccount, seen: Seen) -> int:
    snapshot, _ = EquitySnapshot.objects.get_or_create(
        account=account,
        time=from_ts(seen.ts),
        defaults={"balance": from_cents(seen.balance), "equity": from_cents(seen.equity)},
    )
    return snapshot.pk


def _details(breach: Breach, seen: Seen) -> dict:
    details = dict(breach.details)
    details["live"] = {
        "received_at": dt.datetime.fromtimestamp(seen.received_ms / 1000, dt.UTC).isoformat(),
        "equity": str(from_cents(seen.equity)),
        "balance": str(from_cents(seen.balance)),
    }
    if seen.positions:
        details["positions"] = [
            {"id": p[0], "symbol": p[1], "side": p[2], "volume": p[3], "open_price": p[5]}
            for p in seen.positions
        ]
    return details


def record_breach(account_id: int, breach: Breach, seen: Seen) -> int | None:
    """Record one live breach; the new violation's id, or None when it was recorded before."""
    with transaction.atomic():
        account = TradingAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None or account.status not in OPEN_STATUSES:
            # Failed, passed or closed meanwhile: like the engine, nothing after the end counts.
            return None
        snapshot_id = _evidence_snapshot(account, seen) if breach.code in EQUITY_RULES else None
        breach = dataclasses.replace(
            breach, snapshot_id=snapshot_id, details=_details(breach, seen)
        )
        rules = {
            r.code: r
            for r in Rule.objects.filter(rule_set_id=account.rule_set_id).only(
                "id", "code", "severity", "enforcement", "params"
            )
        }
        row = violations.violation_row(
            account.pk, account.rule_set_id, {c: r.pk for c, r in rules.items()}, breach, {}
        )
        new = violations.insert_new([row])
        if not new:
            return None
        violation_id = new[0].id
        bars.keep_ticks(
            TickReason.BREACH,
            [
                (account.pk, seen.ts, seen.balance, seen.equity, seen.received_ms,
                 {"rule": breach.code, "violation_id": violation_id})
            ],
        )  # fmt: skip
        failed = breach.severity == "hard"
        if failed:
            account_services.fail_account(account, at=from_ts(breach.ts), reason=breach.message)
            Violation.objects.filter(pk=violation_id).update(failed_account=True)
        elif breach.severity == "soft" and not account.needs_review:
            TradingAccount.objects.filter(pk=account.pk).update(needs_review=True)
        rule = rules.get(breach.code)
        if rule is not None and (failed or breach.severity == "soft"):
            commands.enforce(
                account,
                enforcement=effective_enforcement(rule.enforcement, rule.severity, rule.params),
                violation_key=breach.key,
                violation_id=violation_id,
                reason=breach.message,
                breach_ts=from_ts(breach.ts),
                until=from_ts(seen.pause_until) if seen.pause_until else None,
            )
        event = {
            "type": "breach",
            "account_id": account.pk,
            "login": account.login,
            "trader_id": account.trader_id,
            "rule": breach.code,
            "severity": breach.severity,
            "ts": breach.ts,
            "threshold": str(row[4]),
            "observed": str(row[5]),
            "message": breach.message,
            "violation_id": violation_id,
            "failed": failed,
        }
        transaction.on_commit(lambda: violations.enqueue_notifications([violation_id]))
        transaction.on_commit(lambda: publish(event))
        hooks.enqueue_recompute([account.pk])
    return violation_id
