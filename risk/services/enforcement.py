"""What a breach does on the trading platform: the rule's enforcement policy, as a command.

Called by the evaluation inside its transaction (the outbox pattern: the failure or the new
violation and its command commit together, or neither does):

- an account the engine fails: the failing rule's effective enforcement (`Rule.enforcement`,
  else close_and_disable for a hard rule). A pause makes no sense for an account that will
  never trade again, so a pausing rule that fails the account (a trade opened while paused)
  closes and disables it. The key names the failure (its audit event), so an account failed
  again after a reinstatement is disabled again;
- a new soft violation whose rule's enforcement is disable, close_and_disable or
  pause_until_reset, on an account still open; a pause lasts until the next daily reset (the
  one the pausing daily-loss rule recorded, else the day calendar's), and a pause whose reset
  already passed (an old breach found by a late import) issues nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from accounts.models import AuditEvent
from evaluations.models import Enforcement, Rule, TradingAccount, effective_enforcement
from evaluations.models.accounts import OPEN_STATUSES
from evaluations.services import commands
from risk.engine.days import trading_day
from risk.engine.types import Breach
from risk.models import Violation

from .money import from_ts

SOFT_ENFORCED = (Enforcement.DISABLE, Enforcement.CLOSE_AND_DISABLE, Enforcement.PAUSE_UNTIL_RESET)


def enforce_failure(
    account: TradingAccount, breach: Breach, *, violation_id: int | None, failure: AuditEvent
) -> None:
    """Issue the command the failing rule's policy asks for (see the module docstring)."""
    rule = Rule.objects.filter(rule_set_id=account.rule_set_id, code=breach.code).first()
    enforcement = (
        effective_enforcement(rule.enforcement, breach.severity, rule.params)
        if rule is not None
        else Enforcement.CLOSE_AND_DISABLE
    )
    if enforcement == Enforcement.PAUSE_UNTIL_RESET:
        enforcement = Enforcement.CLOSE_AND_DISABLE
    commands.enforce(
        account,
        enforcement=enforcement,
        violation_key=f"{breach.key}:failure:{failure.pk}",
        violation_id=violation_id,
        reason=f"Failed: {breach.message}",
        breach_ts=from_ts(breach.ts),
    )


def _next_reset(violation: Violation) -> dt.datetime:
    until = (violation.evidence.get("details") or {}).get("paused_until_ts")
    if until is None:
        phase = violation.account.phase
        until = trading_day(int(violation.time.timestamp()), phase.reset_tz, phase.reset_hour)
        until = until.end_ts
    return from_ts(int(until))


def enforce_soft(violation_ids: Iterable[int], now: dt.datetime | None = None) -> None:
    """Issue the commands new soft violations' rules ask for, on accounts run by a bridge."""
    ids = list(violation_ids)
    if not ids:
        return
    now = now or timezone.now()
    found = (
        Violation.objects.filter(pk__in=ids, severity="soft", rule__isnull=False)
        .filter(Q(account__bridge__isnull=False) | Q(account__program__bridge__isnull=False))
        .select_related("rule", "account__phase", "account__program", "account__bridge")
        .order_by("time", "pk")
    )
    for violation in found:
        rule, account = violation.rule, violation.account
        enforcement = effective_enforcement(rule.enforcement, violation.severity, rule.params)
        if enforcement not in SOFT_ENFORCED or account.status not in OPEN_STATUSES:
            continue
        until = None
        if enforcement == Enforcement.PAUSE_UNTIL_RESET:
            until = _next_reset(violation)
            if until <= now:
                continue
        commands.enforce(
            account,
            enforcement=enforcement,
            violation_key=violation.key,
            violation_id=violation.pk,
            reason=violation.message,
            breach_ts=violation.time,
            until=until,
        )
