"""Who is told about a violation, and the guarantee that they are told once.

- Every new violation emails the risk desk: `settings.ADMINS` plus the active members of the
  `risk` group.
- The violation that failed an account also emails the trader.

Once only, even when two workers race or a task is re-delivered: before sending, the task
*claims* the violation with one atomic statement,
`UPDATE risk_violation SET notified_at = now() WHERE id = %s AND notified_at IS NULL`;
only the worker whose update touched the row sends. If sending raises, the claim is released so
the retry sends it. The trade-off: a worker killed between the claim and the hand-over to the
SMTP server leaves the claim set and the email unsent (at-most-once; the admin list shows
`notified_at` for such a row without an email in the outbox); an SMTP server that accepted a
message and then failed the connection makes us release and resend (a rare duplicate). We prefer
never spamming over never missing: the violation is always visible in the admin.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.notifications import role_recipients
from accounts.roles import RISK
from evaluations.models import Trade
from risk.models import EvaluationFailure, Violation
from risk.services.money import format_measure
from risk.services.violations import describe_details

ADMIN_CLAIM = "notified_at"
TRADER_CLAIM = "trader_notified_at"


def risk_desk_recipients() -> list[str]:
    """The risk desk: settings.ADMINS and the active users of the `risk` group."""
    return role_recipients(RISK)


def claim(violation_id: int, column: str) -> dt.datetime | None:
    """Atomically mark the violation as being notified; the claim time, or None if another
    worker already did. Runs in its own autocommit statement."""
    assert column in (ADMIN_CLAIM, TRADER_CLAIM)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Violation._meta.db_table} SET {column} = %s "  # noqa: S608
            f"WHERE id = %s AND {column} IS NULL",
            [now, violation_id],
        )
        return now if cursor.rowcount == 1 else None


def release(violation_id: int, column: str, claimed_at: dt.datetime) -> None:
    """Undo our own claim (sending failed) so that a retry sends the email."""
    assert column in (ADMIN_CLAIM, TRADER_CLAIM)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Violation._meta.db_table} SET {column} = NULL "  # noqa: S608
            f"WHERE id = %s AND {column} = %s",
            [violation_id, claimed_at],
        )


def _admin_url(name: str, object_id: int) -> str | None:
    try:
        return settings.SITE_URL + reverse(name, args=[object_id])
    except NoReverseMatch:
        return None


def _evidence_trades(violation: Violation) -> list[dict]:
    ids = list(violation.evidence.get("trade_ids") or [])[:50]
    if not ids:
        return []
    rows = Trade.objects.filter(pk__in=ids).order_by("open_time", "pk")
    return [
        {
            "ticket": t.ticket,
            "symbol": t.symbol,
            "side": t.side,
            "volume": t.volume.normalize(),
            "open_time": f"{t.open_time.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}",
            "close_time": f"{t.close_time.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}",
            "net": t.net,
        }
        for t in rows
    ]


def violation_context(violation: Violation) -> dict:
    """Everything an email about `violation` shows: the numbers, both times, the trades, links."""
    account = violation.account
    zone = ZoneInfo(account.phase.reset_tz)
    return {
        "violation": violation,
        "account": account,
        "trader": account.trader,
        "rule": violation.get_rule_code_display(),
        "threshold": format_measure(violation.threshold, violation.unit, account.currency),
        "observed": format_measure(violation.observed, violation.unit, account.currency),
        "time_utc": f"{violation.time.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
        "time_local": f"{violation.time.astimezone(zone):%Y-%m-%d %H:%M:%S} {zone.key}",
        "trades": _evidence_trades(violation),
        "details": describe_details(violation.evidence.get("details") or {}, account.currency),
        "violation_url": _admin_url("admin:risk_violation_change", violation.pk),
        "account_url": _admin_url("admin:evaluations_tradingaccount_change", account.pk),
        "site_url": settings.SITE_URL,
    }


def _load(violation_id: int) -> Violation | None:
    return (
        Violation.objects.select_related("account__trader", "account__phase", "account__program")
        .filter(pk=violation_id)
        .first()
    )


def _send_once(violation_id: int, column: str, build) -> bool:
    claimed_at = claim(violation_id, column)
    if claimed_at is None:
        return False
    try:
        violation = _load(violation_id)
        message = build(violation) if violation is not None else None
        if message is None:
            return False
        send_mail(from_email=settings.DEFAULT_FROM_EMAIL, **message)
    except BaseException:
        release(violation_id, column, claimed_at)
        raise
    return True


def _risk_desk_message(violation: Violation) -> dict | None:
    recipients = risk_desk_recipients()
    if not recipients:
        return None
    context = violation_context(violation)
    account = violation.account
    return {
        "subject": (
            f"[{violation.severity.upper()}] {context['rule']} on account {account.login}"
            f" ({account.program.name}, {account.phase.name})"
        ),
        "message": render_to_string("risk/email/violation_risk_desk.txt", context),
        "recipient_list": recipients,
    }


def _trader_message(violation: Violation) -> dict | None:
    if not violation.failed_account or not violation.account.trader.email:
        return None
    context = violation_context(violation)
    return {
        "subject": f"Your account {violation.account.login} has failed: {context['rule']}",
        "message": render_to_string("risk/email/violation_trader.txt", context),
        "recipient_list": [violation.account.trader.email],
    }


def notify_risk_desk(violation_id: int) -> bool:
    """Email the risk desk about a violation, once ever. True if this call sent it."""
    return _send_once(violation_id, ADMIN_CLAIM, _risk_desk_message)


def notify_trader(violation_id: int) -> bool:
    """Email the trader about the hard breach that failed their account, once ever."""
    violation = Violation.objects.filter(pk=violation_id).values_list("failed_account", flat=True)
    if not violation or not violation[0]:
        return False
    return _send_once(violation_id, TRADER_CLAIM, _trader_message)


def alert_evaluation_failure(failure_id: int) -> bool:
    """Email the risk desk that the engine could not evaluate an account (risk.services.failures);
    claimed like a violation's email, so it goes out once per failure. True when sent."""
    now = timezone.now()
    claimed = EvaluationFailure.objects.filter(pk=failure_id, alerted_at__isnull=True).update(
        alerted_at=now
    )
    if not claimed:
        return False
    failure = EvaluationFailure.objects.select_related("account").get(pk=failure_id)
    recipients = risk_desk_recipients()
    if not recipients:
        return False
    account = failure.account
    link = _admin_url("admin:risk_evaluationfailure_change", failure.pk)
    body = (
        f"PropDesk could not evaluate account {account.login}: {failure.error_type}: "
        f"{failure.message}\n\n"
        "Its rules are not being enforced until this is fixed; every other account was "
        "evaluated. Correct or remove the data at fault (usually a trade or balance operation "
        "with an impossible amount), then recompute the account "
        f"(manage.py recompute_metrics --account {account.login}).\n"
        + (f"\n{link}\n" if link else "")
    )
    try:
        send_mail(
            f"PropDesk: account {account.login} could not be evaluated",
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except Exception:
        EvaluationFailure.objects.filter(pk=failure_id, alerted_at=now).update(alerted_at=None)
        raise
    return True
