"""The write path of the risk engine: load accounts, run the pure engine, save what it found and
act on it, in one transaction.

`evaluate_account` serves the live check after an import (one account, a few queries);
`evaluate_accounts` serves the full recompute, day rollover and inactivity checks (many accounts,
one streamed read per table, one upsert per table per chunk). Both take the account rows'
locks first, so two workers evaluating one account serialise instead of interleaving.

One account never stops the others: a chunk that fails with a permanent error is evaluated
again account by account, and an account that still fails is recorded (`failures.py`), shown to
staff and alerted to the risk desk once; transient database errors propagate so the task
retries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from evaluations.models import TradingAccount
from risk import hooks
from risk.engine.evaluate import evaluate
from risk.engine.types import AccountIn, AccountResult
from risk.models import Violation

from . import enforcement, failures, metrics, progression, violations
from .loading import AccountContext, iter_accounts, judged_as_of, load_account

CHUNK = 2_500  # accounts per transaction in the bulk path
# Errors that say nothing about the account: the task retries them with backoff.
TRANSIENT = (OperationalError, InterfaceError)
log = logging.getLogger(__name__)


@dataclass
class EvaluationReport:
    """What evaluating some accounts changed."""

    accounts: int = 0
    new_violations: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    passed: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)  # next-phase accounts opened by a pass
    flagged: list[int] = field(default_factory=list)  # accounts newly needing review
    errored: list[int] = field(default_factory=list)  # accounts the engine could not evaluate

    def merge(self, other: EvaluationReport) -> None:
        self.accounts += other.accounts
        for name in ("new_violations", "failed", "passed", "opened", "flagged", "errored"):
            getattr(self, name).extend(getattr(other, name))


def _lock(account_ids: list[int]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {TradingAccount._meta.db_table} WHERE id = ANY(%s) "  # noqa: S608
            "ORDER BY id FOR UPDATE",
            [account_ids],
        )
        return [r[0] for r in cursor.fetchall()]


def _save(
    evaluated: list[tuple[AccountContext, AccountIn, AccountResult]], notify: bool
) -> EvaluationReport:
    """Save results and apply outcomes; must run inside the transaction holding the locks."""
    report = EvaluationReport(accounts=len(evaluated))
    stored = violations.stored_keys(c.id for c, _, r in evaluated if r.breaches)
    outcomes: dict[int, progression.Outcome] = {}
    for n, (context, account_in, result) in enumerate(evaluated):
        known = stored.get(context.id, {})
        outcome = progression.decide(context, account_in, result, violations.dismissed(known))
        outcomes[context.id] = outcome
        if outcome.changes_status:
            # An ended account is judged as of its end (see loading); judge it so now already,
            # so that this evaluation and every later recompute save the same metrics.
            ended = dataclasses.replace(account_in, as_of_ts=judged_as_of(outcome.end_ts))
            evaluated[n] = (context, ended, evaluate(ended))
    metrics.save_metrics([(a, r) for _, a, r in evaluated], computed_at=timezone.now())
    rows = []
    for context, account_in, result in evaluated:
        outcome = outcomes[context.id]
        until = outcome.record_until_ts
        known = stored.get(context.id, {})
        recorded = [
            b
            for b in result.breaches
            if (until is None or b.ts <= until) and not violations.recorded(b, known)
        ]
        tickets = violations.ticket_lookup(account_in, recorded)
        rows.extend(
            violations.violation_row(context.id, context.rule_set_id, context.rule_ids, b, tickets)
            for b in recorded
        )
    new = violations.insert_new(rows)
    report.new_violations = [v.id for v in new]

    changing = [i for i, o in outcomes.items() if o.changes_status]
    if changing:
        accounts = TradingAccount.objects.select_related("phase").in_bulk(changing)
        for account_id in changing:
            outcome = outcomes[account_id]
            failing = None
            if outcome.fail_by is not None:
                failing = Violation.objects.filter(account_id=account_id, key=outcome.fail_by.key)
                failing.update(failed_account=True)
                failing = failing.values_list("pk", flat=True).first()
            opened = progression.apply_status(accounts[account_id], outcome, violation_id=failing)
            if outcome.fail_by is not None:
                report.failed.append(account_id)
            elif outcome.pass_at is not None:
                report.passed.append(account_id)
            if opened is not None:
                report.opened.append(opened.pk)

    soft = sorted({v.account_id for v in new if v.severity == "soft"})
    if soft:
        report.flagged = list(
            TradingAccount.objects.filter(pk__in=soft, needs_review=False).values_list(
                "pk", flat=True
            )
        )
        TradingAccount.objects.filter(pk__in=soft).update(needs_review=True)
        enforcement.enforce_soft(v.id for v in new if v.severity == "soft")

    if notify and new:
        ids = [v.id for v in new]
        transaction.on_commit(lambda: violations.enqueue_notifications(ids))
    hooks.evaluated(evaluated)
    return report


def _evaluate_one(account_id: int, as_of: dt.datetime | None, notify: bool) -> EvaluationReport:
    with transaction.atomic():
        if not _lock([account_id]):
            return EvaluationReport()
        loaded = load_account(account_id, as_of=as_of)
        assert loaded is not None
        context, account_in = loaded
        result = evaluate(account_in)
        report = _save([(context, account_in, result)], notify)
        failures.resolve_failures([account_id])
        return report


def _recorded_failure(account_id: int, error: Exception) -> EvaluationReport:
    """Record a permanent failure of one account and queue the risk desk's alert once."""
    log.exception("account %s could not be evaluated", account_id)
    failure = failures.record_failure(account_id, error)
    if failure is not None:
        from risk import tasks  # the task module imports this one

        failure_id = failure.pk
        transaction.on_commit(lambda: tasks.alert_evaluation_failure.delay(failure_id))
    return EvaluationReport(errored=[account_id])


def evaluate_account(
    account_id: int, *, as_of: dt.datetime | None = None, notify: bool = True
) -> EvaluationReport:
    """Evaluate one account and save the outcome, in one transaction.

    Lock the account row; load its trades, snapshots, balance operations and rules (five
    queries); run `risk.engine.evaluate`; upsert AccountMetrics and DailyMetrics; insert the
    violations not yet stored; fail the account at its first hard breach, or pass it when every
    objective is met (opening the next phase if the phase auto-advances); flag it for review on
    a new soft violation; issue the platform commands the rules' enforcement asks for
    (`enforcement`). Emails for the new violations are queued once the transaction commits.
    A missing account is nothing to do. A permanent error is recorded and reported in
    `errored` (see the module docstring), a transient one raised.
    """
    try:
        return _evaluate_one(account_id, as_of, notify)
    except TRANSIENT:
        raise
    except Exception as error:  # noqa: BLE001 - isolated, recorded, alerted
        return _recorded_failure(account_id, error)


def _evaluate_chunk(ids: list[int], as_of: dt.datetime | None, notify: bool) -> EvaluationReport:
    with transaction.atomic():
        locked = _lock(ids)
        evaluated = [(c, a, evaluate(a)) for c, a in iter_accounts(locked, as_of=as_of)]
        report = _save(evaluated, notify)
        failures.resolve_failures(locked)
        return report


def evaluate_accounts(
    account_ids: Iterable[int] | None = None,
    *,
    as_of: dt.datetime | None = None,
    notify: bool = True,
    chunk: int = CHUNK,
) -> EvaluationReport:
    """Evaluate many accounts (all when `account_ids` is None) with bulk reads and writes.

    Same outcome per account as `evaluate_account`; accounts are taken `chunk` at a time, each
    chunk in its own transaction: lock, one streamed query per table ordered by account, the
    engine, one upsert per table. A chunk that fails permanently is evaluated again one
    account at a time, so only the accounts that fail themselves are left out (`errored`).
    """
    if account_ids is None:
        ids = list(TradingAccount.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(account_ids))
    report = EvaluationReport()
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        try:
            report.merge(_evaluate_chunk(part, as_of, notify))
        except TRANSIENT:
            raise
        except Exception:  # noqa: BLE001 - find the account(s) at fault
            log.warning("chunk of %d accounts failed; evaluating them one by one", len(part))
            for account_id in part:
                report.merge(evaluate_account(account_id, as_of=as_of, notify=notify))
    return report
