"""Celery tasks of the risk engine: a few lines each, calling a service; safe to run twice.

All tasks ack late (a worker lost mid-task gives the message back) and retry with backoff on
database connection errors. Periodic ones are scheduled in django-celery-beat (see the data
migration `risk/migrations/0003_periodic_tasks.py`; admins edit them in the admin).
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from evaluations.models import TradingAccount
from evaluations.models.accounts import OPEN_STATUSES
from evaluations.rule_types import RuleCode
from risk import notifications
from risk.services import hedging
from risk.services.evaluation import (
    CHUNK,
    EvaluationReport,
    evaluate_account,
    evaluate_accounts,
)

RETRYING = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "retry_kwargs": {"max_retries": 5},
}


def _summary(report: EvaluationReport) -> dict:
    return {
        "accounts": report.accounts,
        "new_violations": len(report.new_violations),
        "failed": report.failed,
        "passed": report.passed,
        "opened": report.opened,
        "errored": report.errored,
    }


@shared_task(**RETRYING)
def recompute_accounts(account_ids: list[int]) -> dict:
    """Re-evaluate these accounts (called by ingestion after an import commits)."""
    ids = sorted({int(i) for i in account_ids})
    if len(ids) == 1:
        return _summary(evaluate_account(ids[0]))
    return _summary(evaluate_accounts(ids))


@shared_task(**RETRYING)
def recompute_all(chunk: int = CHUNK) -> dict:
    """Re-evaluate every account (after a data fix or an engine upgrade): one
    `recompute_accounts` task per `chunk` accounts, so the worker pool shares the work."""
    ids = list(TradingAccount.objects.order_by("pk").values_list("pk", flat=True))
    chunks = [ids[i : i + chunk] for i in range(0, len(ids), chunk)]
    for part in chunks:
        recompute_accounts.delay(part)
    return {"accounts": len(ids), "tasks": len(chunks)}


def _open_account_ids(rule_codes: tuple[str, ...] = ()) -> list[int]:
    accounts = TradingAccount.objects.filter(status__in=OPEN_STATUSES)
    if rule_codes:
        accounts = accounts.filter(rule_set__rules__code__in=rule_codes)
    return list(accounts.order_by("pk").values_list("pk", flat=True).distinct())


@shared_task(**RETRYING)
def day_rollover() -> dict:
    """Evaluate open accounts as of now, so a breach that happens at a day reset (the new
    day's lower limit against an equity held overnight) is caught without a new trade."""
    return _summary(evaluate_accounts(_open_account_ids()))


@shared_task(**RETRYING)
def check_inactivity_and_time_limits() -> dict:
    """Evaluate, as of now, the open accounts whose rules include inactivity or a time limit."""
    codes = (RuleCode.INACTIVITY.value, RuleCode.TIME_LIMIT.value)
    return _summary(evaluate_accounts(_open_account_ids(codes)))


@shared_task(**RETRYING)
def scan_hedging(days: int = hedging.DEFAULT_DAYS) -> dict:
    """Firm-wide scan for opposite positions across accounts over the last `days` days."""
    return {"new_violations": len(hedging.scan_recent_trades(days=days))}


@shared_task(
    **{
        **RETRYING,
        "autoretry_for": (OperationalError, SMTPException, ConnectionError, TimeoutError),
    }
)
def send_violation_notification(violation_id: int) -> dict:
    """Email the risk desk (and, for the breach that failed the account, the trader) about one
    violation, once ever per audience; a re-delivered or concurrent run sends nothing more."""
    return {
        "risk_desk": notifications.notify_risk_desk(violation_id),
        "trader": notifications.notify_trader(violation_id),
    }


@shared_task(
    **{
        **RETRYING,
        "autoretry_for": (OperationalError, SMTPException, ConnectionError, TimeoutError),
    }
)
def alert_evaluation_failure(failure_id: int) -> bool:
    """Email the risk desk that an account could not be evaluated, once per failure."""
    return notifications.alert_evaluation_failure(failure_id)
