"""Payouts in the demo firm: requested, approved, paid and rejected through `payouts.services`.

Each funded account gets a story when it opens: what its trader and finance will do, in order
(e.g. a request finance rejects, then one it approves and pays). The story is played in the
evenings, after the day's trades are imported and evaluated, at the first evening the payout
services find the account eligible (`payouts.selectors.account_eligibility`: cycle elapsed, KYC,
no open hard violation, profit above the minimum, the consistency gate). Closed stories (paid,
rejected) are played whenever the account is eligible; open ones (approved and waiting for
payment, or requested) on the last evening, so the finance queue holds requests whose profit is
still on the account. The demo trader's first funded account has a rejected and a paid payout,
and strong traders' requests go above the second-approver threshold, so one waits for its
second approver. The clock reads each step's time (`demo_clock`), so the services stamp the
request, its audit rows and the withdrawal as they would have then.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from demo.trading import DemoSeedError
from evaluations.models import AccountStatus, TradingAccount
from payouts.models import PayoutRequest, PayoutStatus
from payouts.selectors import account_eligibility
from payouts.services import (
    PayoutError,
    approve_payout,
    mark_payout_paid,
    needs_second_approver,
    reject_payout,
    request_payout,
)
from risk.services.evaluation import evaluate_accounts

OPEN_OUTCOMES = frozenset({"approved", "requested"})
# What one funded account's trader and finance do, in order; open outcomes come last.
STORIES: tuple[tuple[str, ...], ...] = (
    ("paid",),
    ("approved",),
    ("rejected", "requested"),
    ("requested",),
    ("paid",),
    ("rejected",),
    ("rejected", "approved"),
)
DEMO_TRADER_STORY = ("rejected", "paid")
STAR_STORIES = (("requested",), ("approved",))  # large requests: two approvers
REJECTION_REASONS = {
    "bank": "The bank account in your payout details has no IBAN: add it and request again.",
    "wise": "The name on your Wise account does not match your verified ID: correct your "
    "payout details and request again.",
    "crypto": "The wallet in your payout details is not a valid USDT (TRC-20) address: correct "
    "it and request again.",
}


@contextmanager
def demo_clock(at: dt.datetime) -> Iterator[None]:
    """`timezone.now()` reads `at` inside the block.

    The services stamp their steps with the current time and check as of it; the demo plays
    its own history at past moments."""
    with mock.patch.object(timezone, "now", lambda: at):
        yield


@contextmanager
def quiet_task_log() -> Iterator[None]:
    """The tasks the payout steps queue run in-process after commit in the embedded demo, and
    Celery logs a line for each (kombu one about the in-memory broker): the seed's output is
    its summary. Warnings about failures still show."""
    loggers = {"celery.app.trace": logging.WARNING, "kombu.connection": logging.ERROR}
    levels = {name: logging.getLogger(name).level for name in loggers}
    for name, level in loggers.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@dataclass
class PayoutDesk:
    """One funded account's story, as far as it has been played."""

    account: TradingAccount
    story: list[str]
    played: list[PayoutRequest] = field(default_factory=list)

    @property
    def waiting_in_queue(self) -> bool:
        """An open request stands: the trader leaves the account alone until finance acts."""
        return any(p.status in (PayoutStatus.REQUESTED, PayoutStatus.APPROVED) for p in self.played)


@dataclass
class PayoutCounts:
    requests: Counter = field(default_factory=Counter)  # by final status
    second_approvals_due: int = 0
    withdrawals: int = 0


class PayoutRunner:
    """Hands out the stories and plays them through the payout services."""

    def __init__(self, rng: random.Random, finance: list[User]):
        self.rng = rng
        self.finance = finance  # three finance users: two approve, another pays
        self.counts = PayoutCounts()
        self._stories = 0
        self._stars = 0
        self._demo_trader_served = False

    def desk(self, account: TradingAccount, demo_trader: bool, star: bool) -> PayoutDesk:
        if demo_trader and not self._demo_trader_served:
            self._demo_trader_served = True
            story = DEMO_TRADER_STORY
        elif star:
            story = STAR_STORIES[self._stars % len(STAR_STORIES)]
            self._stars += 1
        else:
            story = STORIES[self._stories % len(STORIES)]
            self._stories += 1
        return PayoutDesk(account, list(story))

    def evening(self, desks: list, evening: dt.datetime, *, last_day: bool) -> None:
        """Play the next step of each funded account's story that can happen tonight."""
        paid = []
        for desk in desks:
            book = desk.payouts
            if book is None or not book.story:
                continue
            outcome = book.story[0]
            if outcome in OPEN_OUTCOMES and not last_day:
                continue
            at = evening + dt.timedelta(minutes=self.rng.randint(5, 40))
            cycle = dt.timedelta(days=book.account.phase.payout_cycle_days or 0)
            if at < book.account.started_at + cycle:
                continue  # the trader knows better than to ask before the first cycle is over
            book.account.refresh_from_db(fields=["status"])
            if book.account.status != AccountStatus.FUNDED:
                continue
            with demo_clock(at):
                if not account_eligibility(book.account, as_of=at).eligible:
                    continue
            payout = self._play(book, outcome, at)
            book.story.pop(0)
            book.played.append(payout)
            self.counts.requests[payout.status] += 1
            if payout.status == PayoutStatus.PAID:
                self.counts.withdrawals += 1
                paid.append(book.account.pk)
            elif payout.status == PayoutStatus.REQUESTED and payout.first_approved_by_id:
                self.counts.second_approvals_due += 1
        if paid:
            # The withdrawal moves the balance: the engine's metrics follow before tomorrow.
            later = evening + dt.timedelta(hours=2)
            with demo_clock(later):
                evaluate_accounts(paid, as_of=later, notify=False)

    def _play(self, book: PayoutDesk, outcome: str, at: dt.datetime) -> PayoutRequest:
        account = book.account
        first, second = self.rng.sample(self.finance, 2)
        amount = None
        if self.rng.random() < 0.3:  # some traders ask for a round amount and leave the rest
            eligible = account_eligibility(account, as_of=at).eligible_amount
            rounded = eligible // 500 * 500
            if max(account.phase.min_payout, Decimal(500)) <= rounded < eligible:
                amount = rounded
        payout = self._step(at, request_payout, account, by=account.trader, amount=amount)
        at = self._later(at)
        if outcome == "rejected":
            reason = REJECTION_REASONS.get(
                account.trader.trader_profile.payout_method, REJECTION_REASONS["bank"]
            )
            return self._step(at, reject_payout, payout, by=first, reason=reason)
        if outcome == "requested":
            if needs_second_approver(payout):  # the first approval given, the second due
                payout = self._step(at, approve_payout, payout, by=first)
            return payout
        payout = self._step(at, approve_payout, payout, by=first)
        if payout.status == PayoutStatus.REQUESTED:  # above the threshold: a second approver
            at = self._later(at)
            payout = self._step(at, approve_payout, payout, by=second)
        # Someone who approved it does not pay it (PAYOUT_APPROVER_MAY_PAY off): with three
        # finance members, one is always left to pay even a payout two people approved.
        payers = [
            user
            for user in self.finance
            if user.pk not in (payout.approved_by_id, payout.first_approved_by_id)
        ]
        if outcome == "paid" and payers:
            at = self._later(at)
            reference = self._reference(account.trader.trader_profile.payout_method)
            payout = self._step(
                at, mark_payout_paid, payout, by=self.rng.choice(payers), reference=reference
            )
        return payout

    def _later(self, at: dt.datetime) -> dt.datetime:
        return at + dt.timedelta(minutes=self.rng.randint(3, 25), seconds=self.rng.randint(0, 59))

    @staticmethod
    def _step(at: dt.datetime, service, target, **kwargs) -> PayoutRequest:
        """One step through the real payout service, at its moment."""
        try:
            with demo_clock(at):
                return service(target, **kwargs)
        except (PayoutError, PermissionDenied) as exc:
            raise DemoSeedError(
                f"demo payout on {target}: {service.__name__} at {at:%Y-%m-%d %H:%M} refused: {exc}"
            ) from exc

    def _reference(self, method: str) -> str:
        if method == "crypto":
            return f"TRC20-{self.rng.getrandbits(64):016x}"
        if method == "wise":
            return f"WISE-{self.rng.randint(100_000_000, 999_999_999)}"
        return f"SEPA-{self.rng.randint(10_000_000, 99_999_999)}"
