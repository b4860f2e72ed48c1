"""Write paths of the account lifecycle: open, advance to the next phase, fail, pass, close,
reinstate, and the details staff edit.

Every status change goes through one of these functions (admin actions, the risk engine's
progression and commands call them); the FSM transitions on `TradingAccount` guard which changes
are legal. Each writes one audit event (accounts.audit) in its transaction, with the acting user
it is given (`by`; None is the system), and stamps the same user on the simple-history row.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from accounts.audit import by_whom, changed, fields_of, record
from accounts.models import AuditAction, AuditEvent
from config.celery import enqueue
from evaluations import hooks
from evaluations.models import (
    AccountStatus,
    CommandKind,
    Phase,
    PhaseKind,
    Program,
    TradingAccount,
)
from evaluations.rule_types import RuleCode
from evaluations.services import commands
from evaluations.services.certificates import issue_pass_certificate
from evaluations.tasks import send_account_opened_email

LOGIN_LOW, LOGIN_HIGH = 10_000_000, 99_999_999  # 8-digit platform logins
LOGIN_ATTEMPTS = 20


class AccountLifecycleError(Exception):
    """A lifecycle step that cannot happen for this account (shown to staff as is)."""


def generate_login(rng: random.Random | None = None) -> str:
    """A free 8-digit login. Pass a seeded `rng` for reproducible logins (demo data)."""
    for _ in range(LOGIN_ATTEMPTS):
        if rng is None:
            candidate = str(LOGIN_LOW + secrets.randbelow(LOGIN_HIGH - LOGIN_LOW + 1))
        else:
            candidate = str(rng.randint(LOGIN_LOW, LOGIN_HIGH))
        if not TradingAccount.objects.filter(login=candidate).exists():
            return candidate
    raise AccountLifecycleError("could not find a free login; try again")


STATUS_FIELDS = ("status", "status_reason", "ended_at")
OPENED_FIELDS = ("login", "trader", "program", "phase", "rule_set", "initial_balance", "currency")
DETAIL_FIELDS = ("needs_review", "broker_server", "server_tz")


def _stamp_history(account: TradingAccount, by, reason: str) -> None:
    # django-simple-history reads these when the next save writes the account's version.
    account._history_user = by
    account._change_reason = reason[:100]


def _save_status_change(account: TradingAccount, before: dict, *, by) -> AuditEvent:
    """Save a transition already run on `account` and audit it: from → to, reason, actor."""
    _stamp_history(account, by, account.status_reason)
    account.save()
    after = fields_of(account, STATUS_FIELDS)
    reason = account.status_reason
    return record(
        AuditAction.ACCOUNT_STATUS_CHANGED,
        actor=by,
        obj=account,
        summary=f"Account {account.login}: {before['status']} → {account.status}"
        + (f" ({reason})" if reason else "")
        + f" by {by_whom(by)}",
        before=before,
        after=after,
        data={"from": before["status"], "to": account.status, "reason": reason},
    )


def open_account(
    trader,
    program: Program,
    *,
    phase: Phase | None = None,
    login: str | None = None,
    started_at: datetime | None = None,
    previous_account: TradingAccount | None = None,
    by=None,
    notify: bool = True,
    rng: random.Random | None = None,
    broker_server: str = "",
    initial_balance: Decimal | None = None,
) -> TradingAccount:
    """Open a trading account for `trader` in `phase` (default: the program's first phase).

    The account takes the phase's current rule set version (it keeps that version even when
    the rules are edited later), initial balance = program account size (a scaled-up funded
    account gives its own, evaluations.services.scaling), and a new unique
    login unless one is given. In a funded phase the account starts `funded`, else `active`.
    The trader's "account opened" email is enqueued after the transaction commits.
    """
    phase = phase or program.first_phase
    if phase is None or phase.program_id != program.pk:
        raise AccountLifecycleError(f"{program} has no such phase to open an account in")
    rule_set = phase.current_rule_set
    if rule_set is None:
        raise AccountLifecycleError(f"{phase} has no rule set yet; load or add its rules first")
    if login and TradingAccount.objects.filter(login=login).exists():
        raise AccountLifecycleError(f"login {login} is already used by another account")
    with transaction.atomic():
        for attempt in range(LOGIN_ATTEMPTS):
            account = TradingAccount(
                login=login or generate_login(rng),
                trader=trader,
                program=program,
                phase=phase,
                rule_set=rule_set,
                initial_balance=initial_balance or program.account_size,
                currency=program.currency,
                started_at=started_at or timezone.now(),
                previous_account=previous_account,
                broker_server=broker_server,
                bridge_id=program.bridge_id,
            )
            _stamp_history(account, by, "Opened")
            try:
                with transaction.atomic():
                    account.save()
                break
            except IntegrityError:
                # A concurrent open took the same login (or this previous_account); retry a
                # generated login, re-raise anything else.
                if login or previous_account or attempt == LOGIN_ATTEMPTS - 1:
                    raise
        if phase.kind == PhaseKind.FUNDED:
            account.mark_funded(reason="Funded account opened")
            _stamp_history(account, by, "Funded")
            account.save()
        opened = {**fields_of(account, OPENED_FIELDS), "status": account.status}
        record(
            AuditAction.ACCOUNT_OPENED,
            actor=by,
            obj=account,
            summary=f"Account {account.login} opened {account.status} in {phase} "
            f"(rules v{rule_set.version}) by {by_whom(by)}",
            before={},
            after=opened,
            data={"previous_account_id": account.previous_account_id},
        )
        commands.issue(
            account,
            CommandKind.CREATE_ACCOUNT,
            key=f"create_account:{account.pk}",
            reason=f"Opened in {phase}",
            payload=create_account_payload(account),
            by=by,
        )
        if notify:
            account_id = account.pk
            transaction.on_commit(lambda: enqueue(send_account_opened_email, account_id))
    return account


LOSS_LIMITS = (RuleCode.MAX_DAILY_LOSS, RuleCode.MAX_TOTAL_LOSS)


def create_account_payload(account: TradingAccount) -> dict:
    """What a bridge needs to create the account on its platform (docs/bridges.md): the login,
    money, program and phase, the trader by reference only, and the loss limits' rules."""
    trader = account.trader
    rules = account.rule_set.rules.filter(code__in=LOSS_LIMITS).order_by("code")
    return {
        "login": account.login,
        "currency": account.currency,
        "initial_balance": str(account.initial_balance),
        "program": account.program.slug,
        "phase": account.phase.name,
        "phase_kind": account.phase.kind,
        "trader": {"id": trader.pk, "name": trader.get_full_name()},
        "rules": [{"code": r.code, "severity": r.severity, "params": r.params} for r in rules],
    }


def advance_to_next_phase(account: TradingAccount, *, by=None, notify: bool = True):
    """Open the next phase's account for a passed account (same trader, new login).

    Idempotent: if the next account already exists it is returned and nothing is created
    (`previous_account` is one-to-one, and the row is locked while checking). A funded next
    phase gives a `funded` account.
    """
    with transaction.atomic():
        locked = TradingAccount.objects.select_for_update().get(pk=account.pk)
        existing = TradingAccount.objects.filter(previous_account=locked).first()
        if existing is not None:
            return existing
        if locked.status != AccountStatus.PASSED:
            raise AccountLifecycleError(
                f"{locked.login} is {locked.get_status_display().lower()}, not passed"
            )
        next_phase = locked.phase.next_phase
        if next_phase is None:
            raise AccountLifecycleError(f"{locked.phase} is the program's last phase")
        return open_account(
            locked.trader,
            locked.program,
            phase=next_phase,
            previous_account=locked,
            by=by,
            notify=notify,
        )


def approve_phase_advance(account: TradingAccount, *, by) -> TradingAccount:
    """A staff member approves opening the next phase (phases without auto-advance).

    Needs the `evaluations.approve_phase_advance` permission. Refused when the next phase is
    already open (a second approval is a mistake to report, not a no-op).
    """
    if not by.has_perm("evaluations.approve_phase_advance"):
        raise PermissionDenied("approving the next phase needs the approve_phase_advance right")
    with transaction.atomic():
        locked = TradingAccount.objects.select_for_update().get(pk=account.pk)
        if TradingAccount.objects.filter(previous_account=locked).exists():
            raise AccountLifecycleError(f"{locked.login}: its next phase is already open")
        return advance_to_next_phase(locked, by=by)


def fail_account(account: TradingAccount, *, at: datetime, reason: str, by=None) -> AuditEvent:
    """Fail an open account at `at` (the risk engine's first counting hard breach).

    Call inside the caller's transaction with `account` locked (`select_for_update`). Returns
    the failure's audit event (its id names this failure, e.g. in a command's key).
    """
    before = fields_of(account, STATUS_FIELDS)
    account.mark_failed(at=at, reason=reason[:255])
    return _save_status_change(account, before, by=by)


def pass_account(account: TradingAccount, *, at: datetime, reason: str = "", by=None) -> None:
    """Pass an active evaluation account at `at` (every objective met).

    Call inside the caller's transaction with `account` locked (`select_for_update`).
    """
    before = fields_of(account, STATUS_FIELDS)
    account.mark_passed(at=at, reason=reason)
    _save_status_change(account, before, by=by)
    issue_pass_certificate(account, at=at)


def close_account(account: TradingAccount, *, by=None, reason: str = "", at=None):
    """Close an open or passed account (e.g. trader's request, after the last payout)."""
    with transaction.atomic():
        locked = TradingAccount.objects.select_for_update().get(pk=account.pk)
        if not can_proceed(locked.mark_closed):
            raise AccountLifecycleError(
                f"{locked.login} is {locked.get_status_display().lower()} and cannot be closed"
            )
        before = fields_of(locked, STATUS_FIELDS)
        locked.mark_closed(at=at or timezone.now(), reason=reason or "Closed by staff")
        _save_status_change(locked, before, by=by)
    return locked


def reinstate_account(account: TradingAccount, *, by, reason: str) -> TradingAccount:
    """Undo a failure (e.g. the failing trades were bad data): back to active, or funded.

    Needs the `evaluations.reinstate_account` permission. The account's bridge is told to
    `enable` it, once per reinstatement.
    """
    with transaction.atomic():
        locked = TradingAccount.objects.select_for_update().get(pk=account.pk)
        if not can_proceed(locked.reinstate):
            raise AccountLifecycleError(
                f"{locked.login} is {locked.get_status_display().lower()}, not failed"
            )
        if not has_transition_perm(locked.reinstate, by):
            raise PermissionDenied("reinstating an account needs the reinstate_account right")
        before = fields_of(locked, STATUS_FIELDS)
        locked.reinstate(reason=reason or "Reinstated by staff")
        event = _save_status_change(locked, before, by=by)
        commands.issue(
            locked,
            CommandKind.ENABLE,
            key=f"enable:{locked.pk}:reinstated:{event.pk}",
            reason=locked.status_reason,
            by=by,
        )
        # Its metrics, and the live monitors' limits, follow the account's new status.
        hooks.enqueue_recompute([locked.pk])
    return locked


def update_account_details(account: TradingAccount, *, by, **values) -> TradingAccount:
    """Staff edit what is not lifecycle: the review flag, the broker server and its zone.

    Audited with the fields that changed; nothing is written when nothing changed.
    """
    unknown = set(values) - set(DETAIL_FIELDS)
    if unknown:
        raise AccountLifecycleError(f"{', '.join(sorted(unknown))} cannot be edited here")
    with transaction.atomic():
        locked = TradingAccount.objects.select_for_update().get(pk=account.pk)
        before, after = changed(fields_of(locked, values), values)
        if not after:
            return locked
        for name, value in after.items():
            setattr(locked, name, value)
        _stamp_history(locked, by, "Details edited")
        locked.save(update_fields=list(after))
        record(
            AuditAction.ACCOUNT_CHANGED,
            actor=by,
            obj=locked,
            summary=f"Account {locked.login}: {', '.join(after)} changed by {by_whom(by)}",
            before=before,
            after=after,
        )
    return locked
