"""Payouts in the demo firm: requested, approved, paid and rejected through `payouts.services`.

Which funded account gets which payout story is planned from its planned trades (no ORM here
but `run_step`); `seed_demo` then replays every step at its moment: the trades closed by then
are written first and the clock reads the step's time (`demo_clock`), so the real services
check eligibility, four-eyes and the ledger as they would have then, and stamp the request, its
audit rows and the withdrawal.

Steps happen in quiet spells (no position open, at least an hour): between one day's last
trade and the next one's open, so the profit a request is sized on is still there when finance
approves and pays. A story before the account's last trade ends (paid, or rejected with a
reason); one after it is still open in the finance queue (approved and waiting for payment, or
requested). `choose_stories` spreads the stories over the funded accounts so that the demo
shows each status, the demo trader has a payout history, and a request above the second-approver
threshold waits for its second approver when some account's profit allows one.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from demo.stages import DemoSeedError
from evaluations.models import AccountStatus, Phase, TradingAccount
from payouts.eligibility import ZERO, Eligibility, PayoutFacts, payout_eligibility, trader_share
from payouts.models import PayoutRequest
from payouts.services import (
    PayoutError,
    approve_payout,
    mark_payout_paid,
    reject_payout,
    request_payout,
)
from risk.days import trading_day_at

TRADER, FINANCE, FINANCE2 = "trader", "finance", "finance2"
OPEN_OUTCOMES = frozenset({"approved", "requested"})
# What one funded account's trader and finance do, in order; open outcomes come last.
STORIES: tuple[tuple[str, ...], ...] = (
    ("rejected", "paid"),
    ("paid",),
    ("approved",),
    ("requested",),
    ("rejected", "requested"),
    ("rejected", "approved"),
    ("paid", "requested"),
    ("paid", "approved"),
    ("rejected",),
)
MIN_SPELL = dt.timedelta(hours=1)
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

    The payout services stamp their steps with the current time and check eligibility as of
    it; the demo replays them at past moments of its own history."""
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


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    action: str  # "request" | "approve" | "reject" | "pay"
    by: str  # TRADER | FINANCE | FINANCE2


@dataclass
class Flow:
    """One planned payout request and what happens to it."""

    outcome: str  # the status it ends in
    amount: Decimal | None  # None: all of the eligible amount
    gross: Decimal  # the profit it withdraws when paid
    share: Decimal  # what the trader receives
    two_approvers: bool
    steps: list[Step]
    note: str = ""  # the rejection reason or the payment reference

    @property
    def ended_at(self) -> dt.datetime:
        return self.steps[-1].at


@dataclass
class FundedLedger:
    """What one funded account's payouts depend on, as planned (money in cents)."""

    phase: Phase
    started_at: dt.datetime
    trades: list[dict]  # planned trades in close-time order: open_time, close_time, net_cents
    operations: list[tuple[dt.datetime, int]]  # adjustments before the payouts
    kyc_status: str
    consistency_percent: Decimal | None  # the payout consistency gate, if the rule set has one
    payout_method: str
    demo_trader: bool = False
    options: dict[tuple[str, ...], list[Flow]] = field(default_factory=dict)

    def eligibility(
        self, at: dt.datetime, cycle_start: dt.datetime, withdrawals: list[tuple[dt.datetime, int]]
    ) -> Eligibility:
        """`payout_eligibility` as the request service will decide it at `at`."""
        closed = [t for t in self.trades if t["close_time"] <= at]
        moved = sum(cents for when, cents in [*self.operations, *withdrawals] if when <= at)
        nets: dict[dt.date, int] = defaultdict(int)
        for trade in closed:
            if trade["close_time"] >= cycle_start:
                day = trading_day_at(
                    self.phase.reset_tz, self.phase.reset_hour, trade["close_time"]
                ).day
                nets[day] += trade["net_cents"]
        gate = self.consistency_percent
        return payout_eligibility(
            PayoutFacts(
                as_of=at,
                account_status=AccountStatus.FUNDED,
                phase_kind=self.phase.kind,
                kyc_status=self.kyc_status,
                cycle_start=cycle_start,
                cycle_days=self.phase.payout_cycle_days or 0,
                open_hard_violations=(),
                profit=_money(sum(t["net_cents"] for t in closed) + moved),
                min_payout=self.phase.min_payout,
                split_percent=self.phase.profit_split or ZERO,
                has_open_request=False,
                consistency_percent=gate,
                cycle_daily_nets=tuple(_money(nets[d]) for d in sorted(nets)) if gate else (),
                tz=self.phase.reset_tz,
            )
        )

    def quiet_spells(self, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, bool]]:
        """(from, to, after the last trade): spells of at least MIN_SPELL with nothing open."""
        spells, latest = [], None
        for before, after in zip(self.trades, self.trades[1:], strict=False):
            latest = max(latest or before["close_time"], before["close_time"])
            if after["open_time"] - latest >= MIN_SPELL:
                spells.append((latest, after["open_time"], False))
        if self.trades:
            last = max(t["close_time"] for t in self.trades)
            if end - last >= MIN_SPELL:
                spells.append((last, end, True))
        return spells


def _money(cents: int) -> Decimal:
    return Decimal(cents) / 100


def _between(start: dt.datetime, end: dt.datetime, low: float, high: float, rng) -> dt.datetime:
    seconds = int((end - start).total_seconds() * rng.uniform(low, high))
    return _whole_seconds(start + dt.timedelta(seconds=seconds))


def _whole_seconds(at: dt.datetime) -> dt.datetime:
    return at.replace(microsecond=0)


class PayoutPlanner:
    """Plans the feasible stories of each funded account with its own random stream, so the
    demo's trades do not depend on its payouts."""

    def __init__(self, rng: random.Random, now: dt.datetime, threshold: Decimal):
        self.rng = rng
        self.now = now.replace(microsecond=0)
        self.threshold = threshold

    def plan_options(self, ledger: FundedLedger) -> None:
        for story in STORIES:
            flows = self._simulate(story, ledger)
            if flows is not None:
                ledger.options[story] = flows

    def _simulate(self, story: tuple[str, ...], ledger: FundedLedger) -> list[Flow] | None:
        """The story's flows at the first quiet spells where the trader is eligible, or None."""
        spells = iter(ledger.quiet_spells(self.now))
        cycle_start = ledger.started_at
        cycle = dt.timedelta(days=ledger.phase.payout_cycle_days or 0)
        withdrawals: list[tuple[dt.datetime, int]] = []
        flows = []
        for outcome in story:
            for start, end, after_last_trade in spells:
                if after_last_trade != (outcome in OPEN_OUTCOMES):
                    continue
                start = max(start, cycle_start + cycle)
                if end - start < MIN_SPELL:
                    continue
                at = _between(start, end, 0.02, 0.15, self.rng)
                eligibility = ledger.eligibility(at, cycle_start, withdrawals)
                if eligibility.eligible:
                    break
            else:
                return None
            flow = self._flow(outcome, at, end, eligibility, ledger)
            flows.append(flow)
            if outcome == "paid":
                cycle_start = flow.ended_at
                withdrawals.append((flow.ended_at, -int(flow.gross * 100)))
        return flows

    def _flow(self, outcome, at, end, eligibility: Eligibility, ledger: FundedLedger) -> Flow:
        """The request at `at` and what finance does before `end`: reject it; approve it (two
        people above the threshold) and maybe pay it; or, still requested above the
        threshold, give it its first approval."""
        amount, gross = None, eligibility.eligible_amount
        if self.rng.random() < 0.3:  # some traders ask for a round amount and leave the rest
            rounded = gross // 500 * 500
            if max(ledger.phase.min_payout, Decimal(500)) <= rounded < gross:
                amount = gross = rounded
        share = trader_share(gross, eligibility.split_percent)
        two = share > self.threshold
        first, second = self.rng.sample((FINANCE, FINANCE2), 2)
        if outcome == "rejected":
            later = [("reject", first)]
        elif outcome == "requested":
            later = [("approve", first)] if two else []
        else:
            later = [("approve", first), ("approve", second)] if two else [("approve", first)]
        note = ""
        if outcome == "rejected":
            note = REJECTION_REASONS.get(ledger.payout_method, REJECTION_REASONS["bank"])
        if outcome == "paid":
            later.append(("pay", self.rng.choice((FINANCE, FINANCE2))))
            note = self._reference(ledger.payout_method)
        fractions = sorted(self.rng.uniform(0.2, 0.95) for _ in later)
        steps = [Step(at, "request", TRADER)]
        steps += [
            Step(_whole_seconds(at + (end - at) * fraction), action, by)
            for (action, by), fraction in zip(later, fractions, strict=True)
        ]
        return Flow(outcome, amount, gross, share, two, steps, note)

    def _reference(self, method: str) -> str:
        if method == "crypto":
            return f"TRC20-{self.rng.getrandbits(64):016x}"
        if method == "wise":
            return f"WISE-{self.rng.randint(100_000_000, 999_999_999)}"
        return f"SEPA-{self.rng.randint(10_000_000, 99_999_999)}"


def _score(chosen: list[tuple[FundedLedger, list[Flow]]]) -> int:
    """How good a demo the chosen stories make: a request in the finance queue, every status
    once, a second request in the queue, a request waiting for its second approver, the demo
    trader with a payout history (best with a paid one), then more paid payouts."""
    outcomes = Counter(flow.outcome for _, flows in chosen for flow in flows)
    score = sum(100 for o in ("paid", "approved", "requested", "rejected") if outcomes[o])
    score += 100 if outcomes["approved"] or outcomes["requested"] else 0  # finance's queue
    score += 40 if outcomes["requested"] >= 2 else 0
    score += 10 * min(outcomes["paid"], 5)
    score -= 30 * max(0, outcomes["rejected"] - 1) + 30 * max(0, outcomes["approved"] - 1)
    open_flows = [f for _, flows in chosen for f in flows if f.outcome in OPEN_OUTCOMES]
    score += 60 if any(f.two_approvers for f in open_flows) else 0
    demo = [f for ledger, flows in chosen if ledger.demo_trader for f in flows]
    score += (50 if demo else 0) + (60 if any(f.outcome == "paid" for f in demo) else 0)
    return score


def _greedy(ledgers: list[FundedLedger], chosen: dict[int, list[Flow]]) -> dict[int, list[Flow]]:
    """Add the story that adds most to `_score` until none adds anything (the earlier account
    and story on a tie)."""
    chosen = dict(chosen)
    while True:
        base = _score([(ledgers[i], flows) for i, flows in chosen.items()])
        best = None
        for index, ledger in enumerate(ledgers):
            if index in chosen:
                continue
            for flows in ledger.options.values():
                trial = [(ledgers[i], f) for i, f in chosen.items()] + [(ledger, flows)]
                gain = _score(trial) - base
                if gain > 0 and (best is None or gain > best[0]):
                    best = (gain, index, flows)
        if best is None:
            return chosen
        chosen[best[1]] = best[2]


def choose_stories(ledgers: list[FundedLedger]) -> list[list[Flow]]:
    """One story (or none) per ledger: greedily, after each possible start for the demo
    trader's accounts (greed alone would give the demo trader the story worth most at first,
    leaving the others unable to complete the set); the best scoring plan wins, the first on
    a tie."""
    starts: list[dict[int, list[Flow]]] = [{}]
    for index, ledger in enumerate(ledgers):
        if ledger.demo_trader:
            starts += [{index: flows} for flows in ledger.options.values()]
    plans = [_greedy(ledgers, start) for start in starts]
    scores = [_score([(ledgers[i], f) for i, f in plan.items()]) for plan in plans]
    best = plans[scores.index(max(scores))]
    return [best.get(i, []) for i in range(len(ledgers))]


def run_step(
    step: Step, flow: Flow, account: TradingAccount, payout: PayoutRequest | None, people: dict
) -> PayoutRequest:
    """One step through the real service, at the step's moment."""
    by = people[step.by]
    try:
        with demo_clock(step.at):
            if step.action == "request":
                return request_payout(account, by=by, amount=flow.amount)
            if step.action == "approve":
                return approve_payout(payout, by=by)
            if step.action == "reject":
                return reject_payout(payout, by=by, reason=flow.note)
            return mark_payout_paid(payout, by=by, reference=flow.note)
    except (PayoutError, PermissionDenied) as exc:
        raise DemoSeedError(
            f"demo payout on {account.login}: {step.action} at {step.at:%Y-%m-%d %H:%M} "
            f"refused: {exc}"
        ) from exc
