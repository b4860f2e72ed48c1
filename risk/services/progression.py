"""What an evaluation does to the account: fail it, pass it (and open the next phase), or flag it
for review.

Rules of the lifecycle (PRODUCT.md §2):
- a hard breach fails an open (active or funded) account at the first breach time; a failed,
  passed or closed account is never failed again, and later profitable trades never revive it;
- a hard violation that risk staff dismissed does not count;
- an active account in an evaluation phase passes when every objective is met and no hard breach
  counts; if the phase auto-advances, the next phase's account is opened;
- a new soft violation sets `needs_review` (it never changes the status).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from evaluations.models import AccountStatus, PhaseKind, TradingAccount
from evaluations.services import accounts as account_services
from risk.engine.types import AccountIn, AccountResult, Breach

from . import enforcement
from .loading import AccountContext
from .money import from_ts
from .violations import live_key

OPEN = (AccountStatus.ACTIVE, AccountStatus.FUNDED)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What should happen to one account after an evaluation."""

    fail_by: Breach | None = None
    pass_at: dt.datetime | None = None
    record_until_ts: int | None = None  # breaches after this moment are not recorded

    @property
    def changes_status(self) -> bool:
        return self.fail_by is not None or self.pass_at is not None

    @property
    def end_ts(self) -> int:
        """When the account ends by this outcome (the status change's time)."""
        if self.fail_by is not None:
            return self.record_until_ts
        return int(self.pass_at.timestamp())


def decide(
    context: AccountContext, account_in: AccountIn, result: AccountResult, dismissed: set[str]
) -> Outcome:
    """Decide fail / pass / nothing from the engine result, without touching the database."""
    hard = sorted(
        (
            b
            for b in result.breaches
            if b.severity == "hard" and b.key not in dismissed and live_key(b) not in dismissed
        ),
        key=lambda b: (b.ts, b.key),
    )
    if context.status not in OPEN:
        until = int(context.ended_at.timestamp()) if context.ended_at else None
        return Outcome(record_until_ts=until)
    if hard:
        return Outcome(fail_by=hard[0], record_until_ts=max(hard[0].ts, account_in.started_ts))
    if (
        context.status == AccountStatus.ACTIVE
        and context.phase_kind == PhaseKind.EVALUATION
        and result.objectives_met
    ):
        last_close = account_in.trades[-1].close_ts if account_in.trades else account_in.as_of_ts
        pass_ts = max(last_close, account_in.started_ts)
        return Outcome(pass_at=from_ts(pass_ts), record_until_ts=pass_ts)
    return Outcome()


def apply_status(
    account: TradingAccount, outcome: Outcome, *, violation_id: int | None = None
) -> TradingAccount | None:
    """Run the lifecycle transition `outcome` asks for on a locked account.

    Returns the next phase's account when a pass opened one. Call inside the evaluation's
    transaction, with `account` loaded `select_for_update`. The lifecycle services write the
    change and its audit event, by the system. A failure also issues the platform command the
    failing rule's enforcement asks for (`enforcement.enforce_failure`; `violation_id`: the
    stored violation of the failing breach), in the same transaction.
    """
    if outcome.fail_by is not None and account.status in OPEN:
        breach = outcome.fail_by
        at = max(from_ts(breach.ts), account.started_at)
        failure = account_services.fail_account(account, at=at, reason=breach.message)
        enforcement.enforce_failure(account, breach, violation_id=violation_id, failure=failure)
        return None
    if outcome.pass_at is not None and account.status == AccountStatus.ACTIVE:
        account_services.pass_account(account, at=max(outcome.pass_at, account.started_at))
        if account.phase.auto_advance and account.phase.next_phase:
            return account_services.advance_to_next_phase(account)
    return None
