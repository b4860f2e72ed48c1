"""The limits the monitors check ticks against, refreshed from the risk engine.

Every evaluation of an account run by a bridge (an import, a close pushed by the bridge, a
balance operation, a rule-set change, the beat's rollover, a reinstatement) ends here through
`risk.hooks`: the engine's result becomes the account's `LiveLimits` and an engine-side
`LiveState`, written to the shard's limits hash and put on the shard's stream as a `refresh`
entry, so the monitor that leases the shard merges it in order with the ticks around it
(`live.engine.evaluator.merge`). No second evaluation: the engine already ran.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction

from evaluations.models import TradingAccount
from evaluations.models.accounts import OPEN_STATUSES
from live import state
from live.engine.evaluator import start_state
from live.engine.types import limits_from_rules
from live.publish import STREAM_MAXLEN
from risk.engine.evaluate import evaluate
from risk.services.loading import iter_accounts, load_account

log = logging.getLogger(__name__)


def _statuses(account_ids: list[int]) -> dict[int, str]:
    """The accounts' statuses now (an evaluation may just have failed or passed them)."""
    return dict(TradingAccount.objects.filter(pk__in=account_ids).values_list("pk", "status"))


def entries(items: list[tuple]) -> dict[int, list[list]]:
    """shard → refresh rows `[account_id, limits, meta, engine_state]` for the bridge accounts
    among the evaluated (context, account_in, result) triples."""
    bridged = [item for item in items if item[0].bridge_id is not None]
    if not bridged:
        return {}
    statuses = _statuses([context.id for context, _, _ in bridged])
    by_shard: dict[int, list[list]] = defaultdict(list)
    levels = tuple(settings.LIVE_ALERT_LEVELS)
    for context, account_in, result in bridged:
        meta = {
            "login": context.login,
            "trader_id": context.trader_id,
            "status": statuses.get(context.id, context.status),
            "currency": context.currency,
        }
        limits = limits_from_rules(account_in, levels)
        engine_state = start_state(limits, account_in, result)
        if meta["status"] in OPEN_STATUSES:
            # Open means not failed, whatever the engine's breaches say: a breach staff
            # dismissed, or an account reinstated, is judged again from here on.
            engine_state.failed_ts = None
        by_shard[state.shard_of(context.id)].append(
            [context.id, limits.to_dict(), meta, engine_state.to_dict()]
        )
    return by_shard


def write(by_shard: dict[int, list[list]]) -> int:
    """Store the limits and queue the refreshes; raises a Redis error if Redis is down."""
    if not by_shard:
        return 0
    pipe = state.client().pipeline(transaction=False)
    for shard, rows in by_shard.items():
        mapping = {
            str(account_id): json.dumps({"l": limits, "m": meta}, separators=(",", ":"))
            for account_id, limits, meta, _ in rows
        }
        pipe.hset(state.limits_key(shard), mapping=mapping)
        body = json.dumps(rows, separators=(",", ":"))
        pipe.xadd(state.stream_key(shard), {"k": "refresh", "d": body}, maxlen=STREAM_MAXLEN)
    pipe.execute()
    return sum(len(rows) for rows in by_shard.values())


def after_evaluation(items: list[tuple]) -> None:
    """`risk.hooks` listener: refresh the live limits of the evaluated bridge accounts."""
    try:
        write(entries(items))
    except state.REDIS_ERRORS as error:
        # The monitors rebuild missing limits from PostgreSQL (`load_now`); nothing is lost.
        log.warning("live limits of %d account(s) not refreshed: %s", len(items), error)


def warm(account_ids: list[int] | None = None, *, chunk: int = 2_000) -> int:
    """Compute and publish the limits of these (default: every open bridge) accounts, without
    saving an evaluation: for a new deployment, a Redis restart, or the benchmark."""
    if account_ids is None:
        account_ids = list(
            TradingAccount.objects.filter(bridge__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    written = 0
    for start in range(0, len(account_ids), chunk):
        part = account_ids[start : start + chunk]
        with transaction.atomic():
            items = [(c, a, evaluate(a)) for c, a in iter_accounts(part)]
        written += write(entries(items))
    return written


def load_now(account_id: int) -> list | None:
    """One account's refresh row, computed now (a monitor meeting an account it has no limits
    for); None when the account does not exist or no bridge runs it."""
    loaded = load_account(account_id)
    if loaded is None:
        return None
    context, account_in = loaded
    rows = entries([(context, account_in, evaluate(account_in))])
    return next(iter(rows.values()))[0] if rows else None
