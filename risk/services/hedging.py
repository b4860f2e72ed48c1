"""The firm-wide hedging scan: opposite positions on one symbol across accounts, opened within
N seconds of each other (PRODUCT.md §2), over the trades of the last few days.

Every account's trades in the window are scanned (a hedge needs two accounts, and the other one
need not have the rule), but a breach is recorded only on accounts whose rule set contains the
`hedging` rule, and only when the gap is within that account's own `seconds`. Violations are
soft: they flag the account for review and email the risk desk once, never fail it.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from evaluations.models import Rule, Trade, TradingAccount
from evaluations.models.accounts import OPEN_STATUSES
from evaluations.rule_types import RuleCode
from risk.engine.rules.hedging import scan_hedging
from risk.engine.types import TradeIn

from . import violations
from .money import sql_cents, sql_ts, sql_volume

DEFAULT_DAYS = 3


def _trades_sql() -> str:
    return f"""
        SELECT t.account_id, a.trader_id, t.id, t.ticket, t.symbol, t.side,
               {sql_volume("t.volume")}, {sql_ts("t.open_time")}, {sql_ts("t.close_time")},
               {sql_cents("t.net")}
          FROM {Trade._meta.db_table} t
          JOIN {TradingAccount._meta.db_table} a ON a.id = t.account_id
         WHERE t.open_time >= %s
         ORDER BY t.account_id, t.open_time, t.id"""  # noqa: S608 (names from our models)


def scan_recent_trades(
    *, days: int = DEFAULT_DAYS, now: dt.datetime | None = None, notify: bool = True
) -> list[int]:
    """Scan trades opened in the last `days` days; store new hedging violations, flag their
    accounts for review, and queue the risk-desk emails. Returns the new violation ids."""
    now = now or timezone.now()
    # open account -> (rule set, rule id, seconds), for accounts whose rules include hedging
    watched = {
        account_id: (rule_set_id, rule_id, params.get("seconds", 60))
        for account_id, rule_set_id, rule_id, params in Rule.objects.filter(
            code=RuleCode.HEDGING, rule_set__accounts__status__in=OPEN_STATUSES
        ).values_list("rule_set__accounts", "rule_set_id", "id", "params")
    }
    if not watched:
        return []
    trades_by_account: dict[int, tuple[int, list[TradeIn]]] = {}
    since = now - dt.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(_trades_sql(), [since])
        recent = cursor.fetchall()
    for account_id, trader_id, *fields in recent:
        trades_by_account.setdefault(account_id, (trader_id, []))[1].append(TradeIn(*fields))
    scanned = {a: (trader, tuple(ts)) for a, (trader, ts) in trades_by_account.items()}
    tickets = {t.id: t.ticket for _, ts in trades_by_account.values() for t in ts}
    rows = []
    # One scan per distinct window (rule sets rarely differ), so each breach states its own limit.
    for seconds in sorted({s for _, _, s in watched.values()}):
        for account_id, breaches in scan_hedging(scanned, seconds).items():
            rule_set_id, rule_id, own_seconds = watched.get(account_id, (None, None, None))
            if own_seconds != seconds:
                continue
            rows.extend(
                violations.violation_row(
                    account_id, rule_set_id, {RuleCode.HEDGING: rule_id}, breach, tickets
                )
                for breach in breaches
            )
    with transaction.atomic():
        new = violations.insert_new(rows)
        ids = [v.id for v in new]
        if ids:
            TradingAccount.objects.filter(pk__in={v.account_id for v in new}).update(
                needs_review=True
            )
            if notify:
                transaction.on_commit(lambda: violations.enqueue_notifications(ids))
    return ids
