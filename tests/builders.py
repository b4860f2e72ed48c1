"""Builders shared by the whole suite: rules on a phase, a funded account, and the engine run.

A test that needs stored metrics or violations builds trades (factories) and calls `evaluate`,
so it reads what the product stores, never a hand-made guess of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from evaluations.models import Phase, Rule, RuleSet, TradingAccount
from tests.factories import T0, RuleSetFactory, TradeFactory, TradingAccountFactory

RuleSpec = tuple[str, str, dict]  # (code, severity, params)


def add_rules(rule_set: RuleSet, rules: Iterable[RuleSpec]) -> RuleSet:
    """Give `rule_set` one Rule per (code, severity, params)."""
    Rule.objects.bulk_create(
        Rule(rule_set=rule_set, code=code, severity=severity, params=params)
        for code, severity, params in rules
    )
    return rule_set


def rule_set_for(phase: Phase, rules: Iterable[RuleSpec] = ()) -> RuleSet:
    """Version 1 of `phase`'s rules."""
    return add_rules(RuleSetFactory(phase=phase), rules)


def evaluate(*accounts: TradingAccount, as_of: dt.datetime | None = None, notify: bool = False):
    """Run the risk engine on `accounts` (the full-recompute path) and reload them, so the test
    sees the metrics, violations and status the product stores. Emails only with `notify`."""
    from risk.services.evaluation import evaluate_accounts

    report = evaluate_accounts([a.pk for a in accounts], as_of=as_of, notify=notify)
    for account in accounts:
        account.refresh_from_db()
    return report


def funded_account(
    *,
    rules: Iterable[RuleSpec] = (),
    daily_profits: Iterable[str] = (),
    split: str = "80.00",
    min_payout: str = "100.00",
    cycle_days: int = 14,
    consistency: str | None = None,
    reset_tz: str = "UTC",
    start: dt.datetime = T0,
    **account_kwargs,
) -> TradingAccount:
    """A funded account (its own funded phase, trading day in `reset_tz`) started at `start`,
    with `rules`, an optional payout consistency gate of `consistency` percent, and one closed
    trade per entry of `daily_profits` (day 1 = `start` + 1 day, closing at +2 h).

    The one funded-account builder of the suite: risk, payouts, evaluations, portal and
    security tests use it (pass `status=` for an account that is no longer funded, `rule_set=`
    to open it in an existing funded phase)."""
    if "rule_set" not in account_kwargs:  # else the given (funded) rule set's phase rules
        account_kwargs.update(
            rule_set__phase__profit_split=Decimal(split),
            rule_set__phase__min_payout=Decimal(min_payout),
            rule_set__phase__payout_cycle_days=cycle_days,
            rule_set__phase__reset_tz=reset_tz,
        )
    account = TradingAccountFactory(funded=True, started_at=start, **account_kwargs)
    gate = [("consistency", "soft", {"percent": consistency, "applies_to": "payout"})]
    add_rules(account.rule_set, [*rules, *(gate if consistency is not None else [])])
    for day, profit in enumerate(daily_profits, start=1):
        close = start + dt.timedelta(days=day, hours=2)
        TradeFactory(
            account=account,
            profit=Decimal(profit),
            open_time=close - dt.timedelta(hours=1),
            close_time=close,
        )
    return account


# The account admin's alias inline, empty: what its change and add forms post besides fields.
NO_ALIASES = {
    "aliases-TOTAL_FORMS": "0",
    "aliases-INITIAL_FORMS": "0",
    "aliases-MIN_NUM_FORMS": "0",
    "aliases-MAX_NUM_FORMS": "1000",
}
