"""What the risk desk does with a case: assign it, comment on it, decide it. Each is one write
path, audited with the acting user (`accounts.audit.record`).

Decisions and their effect:
- clear, warn: the case closes; payouts of its accounts are no longer held by it.
- fail accounts: every open account of the case fails (evaluations' `fail_account`, audited).
- deny payouts: the accounts stay as they are, but payout eligibility refuses them for good
  (payouts reads the decision: `payouts.selectors`); requests already pending cannot be
  approved (the approval's re-check refuses them) and finance rejects them with the reason.
- ban: the accounts fail, payouts are denied and the traders' users are deactivated.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.audit import by_whom, record
from accounts.models import AuditAction, User
from evaluations.models import TradingAccount
from evaluations.models.accounts import OPEN_STATUSES
from evaluations.services.accounts import fail_account

from ..models import DECIDE_CASE, Case, CaseComment, CaseStatus, Decision


class CaseError(Exception):
    """A case action that cannot be done (shown to the user)."""


def _lock(case: Case | int, by) -> Case:
    if not (by.is_active and by.is_staff and by.has_perm(DECIDE_CASE)):
        raise PermissionDenied("Only the risk desk handles abuse cases.")
    return Case.objects.select_for_update().get(pk=getattr(case, "pk", case))


def assign_case(case: Case | int, *, to: User | None, by) -> Case:
    """Give the case to a risk user (or to nobody)."""
    with transaction.atomic():
        case = _lock(case, by)
        if to is not None and not to.has_perm(DECIDE_CASE):
            raise CaseError(f"{to.email} may not handle abuse cases.")
        before = {"assignee": case.assignee_id}
        case.assignee = to
        case.save(update_fields=["assignee"])
        record(
            AuditAction.ABUSE_CASE,
            actor=by,
            obj=case,
            summary=f"Case #{case.pk} assigned to {to.email if to else 'nobody'} by {by_whom(by)}",
            before=before,
            after={"assignee": case.assignee_id},
            data={"step": "assigned"},
        )
    return case


def comment_case(case: Case | int, *, text: str, by) -> CaseComment:
    text = (text or "").strip()
    if not text:
        raise CaseError("A comment needs some text.")
    with transaction.atomic():
        case = _lock(case, by)
        comment = CaseComment.objects.create(case=case, author=by, text=text)
        record(
            AuditAction.ABUSE_CASE,
            actor=by,
            obj=case,
            summary=f"Case #{case.pk}: comment by {by_whom(by)}",
            data={"step": "commented", "text": text},
        )
    return comment


def decide_case(case: Case | int, *, decision: str, note: str, by) -> Case:
    """Close an open case with `decision` (Decision value) and apply it; the note is required."""
    note = (note or "").strip()
    if decision not in Decision.values:
        raise CaseError(f"Unknown decision {decision!r}.")
    if not note:
        raise CaseError("A decision needs a note saying why.")
    now = timezone.now()
    with transaction.atomic():
        case = _lock(case, by)
        if case.status != CaseStatus.OPEN:
            raise CaseError(f"Case #{case.pk} is already decided ({case.get_decision_display()}).")
        before = {"status": case.status, "decision": case.decision}
        case.status, case.decision, case.decision_note = CaseStatus.DECIDED, decision, note
        case.decided_by, case.decided_at = by, now
        case.save(update_fields=["status", "decision", "decision_note", "decided_by", "decided_at"])
        failed = (
            _fail_accounts(case, by, now)
            if decision in (Decision.FAIL_ACCOUNTS, Decision.BAN)
            else []
        )
        banned = _ban_traders(case, by) if decision == Decision.BAN else []
        record(
            AuditAction.ABUSE_CASE,
            actor=by,
            obj=case,
            summary=(
                f"Case #{case.pk} decided: {case.get_decision_display()} by {by_whom(by)} ({note})"
            ),
            before=before,
            after={"status": case.status, "decision": decision},
            data={
                "step": "decided",
                "note": note,
                "accounts": sorted(case.accounts.values_list("pk", flat=True)),
                "traders": sorted(case.traders.values_list("pk", flat=True)),
                "failed_accounts": failed,
                "banned_users": banned,
            },
        )
    return case


def _fail_accounts(case: Case, by, now) -> list[int]:
    failed = []
    accounts = TradingAccount.objects.select_for_update().filter(
        abuse_cases=case, status__in=OPEN_STATUSES
    )
    for account in accounts.order_by("pk"):
        fail_account(account, at=now, reason=f"Abuse case #{case.pk}: {case.decision_note}", by=by)
        failed.append(account.pk)
    return failed


def _ban_traders(case: Case, by) -> list[int]:
    banned = []
    for user in case.traders.filter(is_active=True).order_by("pk"):
        user.is_active = False
        user.save(update_fields=["is_active"])
        record(
            AuditAction.USER_BANNED,
            actor=by,
            obj=user,
            summary=f"{user.email} banned (abuse case #{case.pk}) by {by_whom(by)}",
            before={"is_active": True},
            after={"is_active": False},
        )
        banned.append(user.pk)
    return banned
