"""The demo firm behind `manage.py seed_demo`: programs, staff, ~50 traders, accounts and trades.

Deterministic for a seed and a "now": the same seed gives the same traders, accounts, trades
and payouts (times are relative to now: the last 30 days). Re-running first WIPES the demo data
it made before (every user whose email ends in `propdesk.local`, with their accounts, trades,
snapshots, balance operations and payout requests) and creates it again; programs are
(re)loaded from `programs/*.yaml`, which leaves unchanged rule sets alone. The funded accounts'
payout requests go through the payout services (`demo_payouts`).

Statuses agree with the trades: a passed account reached its profit target (and minimum days)
with its last trade, a failed one broke a loss limit with its last trade, an active or funded
one stays clear of every limit (checked by replaying the trades, `demo_market.walk_limits`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from accounts import roles
from accounts.models import KycStatus, PayoutMethod, User
from accounts.services import create_staff_member, create_trader
from accounts.totp import give_totp_authenticator
from demo.market import trading_day
from demo.payouts import (
    FINANCE,
    FINANCE2,
    TRADER,
    FundedLedger,
    PayoutPlanner,
    choose_stories,
    demo_clock,
    quiet_task_log,
    run_step,
)
from demo.stages import DemoSeedError, PhaseContext, Stage, StagePlanner
from evaluations.models import (
    BalanceOperation,
    EquitySnapshot,
    Phase,
    PhaseKind,
    Program,
    Trade,
    TradingAccount,
)
from evaluations.program_spec import SpecError, read_program_spec
from evaluations.services.accounts import generate_login, open_account
from evaluations.services.programs import load_program
from payouts.models import PayoutRequest, PayoutStatus, PayoutTransition
from payouts.selectors import payout_consistency_percent

DEMO_PASSWORD = "demo-pass-2026"
# Staff sign in with a second factor; the demo staff share this published authenticator secret.
DEMO_STAFF_TOTP_SECRET = "PROPDESKDEMOSTAFFKEYTOTP"
DEMO_EMAIL_SUFFIX = "propdesk.local"
DEMO_TRADER_EMAIL = "trader@propdesk.local"
PROGRAMS_DIR = settings.BASE_DIR / "programs"
SPEC_FILES = ("ftmo-2step-100k.yaml", "one-step-100k-eod.yaml", "futures-combine-50k.yaml")
FINANCE_EMAILS = {FINANCE: "finance@propdesk.local", FINANCE2: "finance2@propdesk.local"}
STAFF = (
    ("admin@propdesk.local", roles.ADMINS, True, "Ada", "Admin"),
    ("risk@propdesk.local", roles.RISK, False, "Rick", "Risk"),
    ("finance@propdesk.local", roles.FINANCE, False, "Fiona", "Finance"),
    ("finance2@propdesk.local", roles.FINANCE, False, "Felix", "Finance"),
    ("support@propdesk.local", roles.SUPPORT, False, "Sam", "Support"),
)
# fmt: off
FIRST_NAMES = (
    "Ana", "Luca", "Mia", "Noah", "Ella", "Omar", "Sofia", "Jonas", "Emma", "Liam", "Zoe",
    "Ivan", "Nina", "Marco", "Lea", "Tomas", "Aisha", "Kenji", "Maya", "Pavel", "Sara",
    "David", "Ines", "Yuki", "Leon", "Clara", "Mateo", "Hana", "Erik", "Nora",
)
LAST_NAMES = (
    "Novak", "Schmidt", "Rossi", "Garcia", "Muller", "Kowalski", "Dubois", "Silva", "Jensen",
    "Horvat", "Tanaka", "Okafor", "Petrov", "Larsen", "Costa", "Weber", "Moreau", "Nagy",
    "Haddad", "Fischer", "Santos", "Kim", "Meyer", "Popescu", "Lindqvist",
)
COUNTRIES = (
    "DE", "GB", "FR", "ES", "IT", "NL", "PL", "CZ", "AT", "SE", "US", "CA", "BR", "MX", "AE",
    "IN", "NG", "ZA", "JP", "SG", "AU", "TR", "PT", "RO",
)
# fmt: on
# (program slug, index of the last phase reached, the account status there)
JOURNEYS = (
    ("ftmo-2step-100k", 0, "active"),
    ("ftmo-2step-100k", 0, "failed"),
    ("ftmo-2step-100k", 1, "active"),
    ("ftmo-2step-100k", 1, "passed"),  # Phase 2 passed, waiting for the risk desk's approval
    ("ftmo-2step-100k", 2, "funded"),
    ("one-step-100k-eod", 0, "active"),
    ("one-step-100k-eod", 0, "failed"),
    ("one-step-100k-eod", 1, "funded"),
    ("futures-combine-50k", 0, "active"),
    ("futures-combine-50k", 0, "failed"),
    ("futures-combine-50k", 1, "funded"),
    ("ftmo-2step-100k", 1, "failed"),
    ("ftmo-2step-100k", 2, "failed"),
    ("ftmo-2step-100k", 0, "closed"),
    ("one-step-100k-eod", 1, "closed"),
    ("one-step-100k-eod", 1, "failed"),
    ("futures-combine-50k", 1, "failed"),
    ("ftmo-2step-100k", 2, "closed"),
)
DEMO_TRADER_JOURNEYS = (
    ("ftmo-2step-100k", 2, "funded"),
    ("one-step-100k-eod", 0, "active"),
    ("futures-combine-50k", 0, "failed"),
    ("ftmo-2step-100k", 1, "passed"),
)
FUNDED_INDEX = {"ftmo-2step-100k": 2, "one-step-100k-eod": 1, "futures-combine-50k": 1}
UTC = dt.UTC


@dataclass
class _FundedAccount:
    """A funded account whose trades and snapshots wait for its payouts to be planned."""

    account: TradingAccount
    ctx: PhaseContext
    stage: Stage
    rows: list[Trade]
    operations: list[tuple[dt.datetime, int]]
    snapshot_points: list[tuple[dt.datetime, int | None]] | None


@dataclass
class SeedSummary:
    seed: int
    programs: list[str] = field(default_factory=list)
    traders: int = 0
    statuses: Counter = field(default_factory=Counter)
    trades: int = 0
    snapshots: int = 0
    balance_operations: int = 0
    payouts: Counter = field(default_factory=Counter)  # requests by status
    second_approvals_due: int = 0  # requests above the threshold with one approval of two
    wiped_users: int = 0
    credentials: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        accounts = sum(self.statuses.values())
        by_status = ", ".join(f"{s} {n}" for s, n in sorted(self.statuses.items()))
        out = [
            f"Demo firm seeded (seed {self.seed}): {len(self.programs)} programs, "
            f"{self.traders} traders, {accounts} accounts ({by_status}), {self.trades} trades, "
            f"{self.snapshots} equity snapshots, {self.balance_operations} balance operations.",
        ]
        if self.payouts:
            requests = ", ".join(f"{s} {n}" for s, n in sorted(self.payouts.items()))
            waiting = self.payouts[PayoutStatus.REQUESTED] + self.payouts[PayoutStatus.APPROVED]
            second = self.second_approvals_due
            out.append(
                f"{sum(self.payouts.values())} payout requests ({requests}); {waiting} open in "
                "the finance queue /payouts/queue/"
                + (f", {second} waiting for a second approver" if second else "")
                + "."
            )
        if self.wiped_users:
            out.append(f"Replaced the previous demo data ({self.wiped_users} demo users).")
        out.append(f'Demo logins (password "{DEMO_PASSWORD}" for all):')
        width = max(len(email) for email, _ in self.credentials)
        out.extend(f"  {email.ljust(width)}  {role}" for email, role in self.credentials)
        out.append(
            f"Staff also type an authenticator code: add the secret {DEMO_STAFF_TOTP_SECRET} to an "
            "authenticator app, or run `DEBUG=true .venv/bin/python manage.py totp_code EMAIL`."
        )
        return out


def wipe_demo_data() -> int:
    """Delete every demo user (email ending in propdesk.local), their accounts and payouts."""
    users = User.objects.filter(email__iendswith=DEMO_EMAIL_SUFFIX)
    accounts = TradingAccount.objects.filter(trader__in=users)
    try:
        # Payout requests protect their account, people and withdrawal: they go first.
        payouts = PayoutRequest.objects.filter(account__in=accounts)
        payout_ids = list(payouts.values_list("pk", flat=True))
        payouts.delete()
        PayoutRequest.history.filter(id__in=payout_ids).delete()
        # previous_account is PROTECT: unlink the chains before deleting them.
        accounts.update(previous_account=None)
        accounts.delete()
        return users.delete()[1].get(User._meta.label, 0)
    except ProtectedError as exc:
        raise DemoSeedError(
            f"demo data is still referenced ({exc.args[0]}); use a fresh database"
        ) from exc


class _Seeder:
    def __init__(self, seed: int, now: dt.datetime, trader_count: int):
        self.rng = random.Random(seed)
        self.now = now
        self.trader_count = trader_count
        self.summary = SeedSummary(seed=seed)
        self.contexts: dict[int, PhaseContext] = {}
        self.planner = StagePlanner(self.rng, now)
        # Payouts draw from their own stream: the trades stay what they were without them.
        self.payout_planner = PayoutPlanner(
            random.Random(f"{seed}:payouts"), now, settings.PAYOUT_SECOND_APPROVER_THRESHOLD
        )
        self.staff: dict[str, User] = {}
        self.funded: list[_FundedAccount] = []  # written last, with their payouts
        today = now.astimezone(UTC).date()
        self.weekdays = [
            today - dt.timedelta(days=n)
            for n in range(29, 0, -1)
            if (today - dt.timedelta(days=n)).weekday() < 5
        ]

    # -- people ---------------------------------------------------------------------------

    def people(self) -> list[tuple[User, list[tuple]]]:
        for email, role, superuser, first, last in STAFF:
            member = create_staff_member(
                email, role, superuser=superuser, first_name=first, last_name=last
            )
            give_totp_authenticator(member, DEMO_STAFF_TOTP_SECRET)
            self.staff[email] = member
            label = f"superuser, {role}" if superuser else role
            self.summary.credentials.append((email, label))
        traders = [
            (
                create_trader(
                    DEMO_TRADER_EMAIL,
                    country="DE",
                    first_name="Tess",
                    last_name="Trader",
                    kyc_status=KycStatus.VERIFIED,
                    timezone_name="Europe/Berlin",
                ),
                list(DEMO_TRADER_JOURNEYS),
            )
        ]
        for n in range(self.trader_count - 1):
            first, last = FIRST_NAMES[n % len(FIRST_NAMES)], self.rng.choice(LAST_NAMES)
            journeys = [JOURNEYS[n % len(JOURNEYS)]]
            if self.rng.random() < 0.45:
                journeys.append(self.rng.choice(JOURNEYS))
            reached_funding = any(reached >= FUNDED_INDEX[slug] for slug, reached, _ in journeys)
            kyc = KycStatus.VERIFIED
            if not reached_funding:
                kyc = self.rng.choices(
                    (KycStatus.VERIFIED, KycStatus.PENDING, KycStatus.REJECTED), (6, 3, 1)
                )[0]
            user = create_trader(
                f"{first.lower()}.{last.lower()}{n + 1}@demo.{DEMO_EMAIL_SUFFIX}",
                country=self.rng.choice(COUNTRIES),
                first_name=first,
                last_name=last,
                kyc_status=kyc,
                payout_method=self.rng.choice(PayoutMethod.values),
            )
            traders.append((user, journeys))
        self.summary.traders = len(traders)
        return traders

    # -- accounts -------------------------------------------------------------------------

    def _day_counts(self, stages: list[tuple[PhaseContext, str]], quickest: bool) -> list[int]:
        counts = []
        for ctx, outcome in stages:
            if outcome == "passed":
                counts.append(max(ctx.min_days, 3) + (0 if quickest else self.rng.randint(0, 2)))
            elif outcome == "failed":
                counts.append(self.rng.randint(2, 6))
            elif outcome == "closed":
                counts.append(self.rng.randint(2, 5))
            else:
                counts.append(0)  # open accounts trade until yesterday
        return counts

    def journey(self, trader: User, slug: str, last: int, outcome: str) -> None:
        """Open the accounts of one trader's way through a program, oldest first.

        Passed phases take their minimum days plus up to two; an open last account (active
        or funded) trades until yesterday; a failed or closed one stops earlier. The demo
        trader's way to funding is the quickest (minimum days, from the first weekday) and
        their funded account ends at least 2% up: funded for longer than a payout cycle, it has
        a payout history to show.
        """
        program = Program.objects.get(slug=slug)
        phases = list(program.phases.order_by("order"))[: last + 1]
        stages = [(self._context(p), "passed") for p in phases[:-1]]
        stages.append((self._context(phases[-1]), outcome))
        showcase = trader.email == DEMO_TRADER_EMAIL and outcome == "funded"
        counts = self._day_counts(stages, quickest=showcase)
        available = len(self.weekdays)
        if counts[-1] == 0:
            spare = 0 if showcase else self.rng.randint(0, 4)
            counts[-1] = max(3, available - sum(counts) - spare)
            start = max(0, available - sum(counts))
        else:
            start = self.rng.randint(0, max(0, available - sum(counts)))
        previous = None
        for (ctx, stage_outcome), count in zip(stages, counts, strict=True):
            days = self.weekdays[start : start + count]
            start += count
            if len(days) < max(1, ctx.min_days if stage_outcome == "passed" else 1):
                raise DemoSeedError(f"not enough weekdays in the last 30 days for {ctx.phase}")
            min_profit = ctx.b0 // 50 if showcase and stage_outcome == "funded" else None
            stage = self.planner.plan(ctx, days, stage_outcome, min_profit=min_profit)
            previous = self._open(trader, ctx, stage, stage_outcome, previous)

    def _context(self, phase: Phase) -> PhaseContext:
        if phase.pk not in self.contexts:
            self.contexts[phase.pk] = PhaseContext.of(phase)
        return self.contexts[phase.pk]

    def _open(self, trader, ctx: PhaseContext, stage: Stage, outcome, previous):
        first_open = stage.trades[0]["open_time"]
        if previous is None:
            started = first_open - dt.timedelta(hours=self.rng.randint(2, 40))
        else:
            gap = dt.timedelta(minutes=self.rng.randint(2, 30))
            if not previous.phase.auto_advance:
                gap = dt.timedelta(hours=self.rng.randint(3, 20))
            started = min(previous.ended_at + gap, first_open - dt.timedelta(minutes=30))
        account = open_account(
            trader,
            ctx.phase.program,
            phase=ctx.phase,
            login=generate_login(self.rng),
            started_at=started,
            previous_account=previous,
            notify=False,
        )
        if outcome == "passed":
            account.mark_passed(at=stage.ended_at, reason=stage.reason)
        elif outcome == "failed":
            account.mark_failed(at=stage.ended_at, reason=stage.reason)
        elif outcome == "closed":
            account.mark_closed(at=stage.ended_at, reason=stage.reason)
        if outcome in ("active", "funded") and self.rng.random() < 0.15:
            account.needs_review = True
        account.save()
        self._write_rows(account, ctx, stage, outcome)
        self.summary.statuses[account.status] += 1
        return account

    def _write_rows(self, account: TradingAccount, ctx: PhaseContext, stage: Stage, outcome):
        ticket = self.rng.randint(10_000_000, 80_000_000)
        rows = []
        for trade in stage.trades:
            ticket += self.rng.randint(1, 60)
            fields = {k: v for k, v in trade.items() if k != "net_cents"}
            rows.append(Trade(account=account, ticket=str(ticket), **fields))
        operations = self._balance_operations(account, stage)
        points = self._snapshot_points(ctx, stage, outcome) if self.rng.random() < 0.6 else None
        if ctx.phase.kind == PhaseKind.FUNDED and outcome == "funded":
            self.funded.append(_FundedAccount(account, ctx, stage, rows, operations, points))
            return
        self._write_trades(rows)
        self._write_snapshots(account, ctx, stage, points, operations)

    def _write_trades(self, rows: list[Trade]) -> None:
        Trade.objects.bulk_create(rows)
        self.summary.trades += len(rows)

    def _snapshot_points(self, ctx: PhaseContext, stage: Stage, outcome) -> list[tuple]:
        """Mid-trade points with their floating P&L (cents); end-of-day points (None: equity =
        balance), at 21:00 UTC of each trading day.

        None on a failing day, so the first breach stays the failing trade's close."""
        last_day = trading_day(stage.trades[-1]["close_time"], ctx.zone, ctx.phase.reset_hour)
        points, days = [], {}
        for trade in stage.trades:
            day = trading_day(trade["close_time"], ctx.zone, ctx.phase.reset_hour)
            if outcome == "failed" and day == last_day:
                continue
            days[trade["close_time"].date()] = True
            if self.rng.random() < 0.35:
                middle = trade["open_time"] + (trade["close_time"] - trade["open_time"]) / 2
                points.append((middle, int(trade["net_cents"] * self.rng.uniform(0.2, 0.9))))
        for day in days:
            at = dt.datetime(day.year, day.month, day.day, 21, 0, tzinfo=UTC)
            if at < self.now and (stage.ended_at is None or at < stage.ended_at):
                points.append((at, None))
        return points

    def _write_snapshots(self, account, ctx: PhaseContext, stage: Stage, points, operations):
        """Snapshots at `points`, their balance from the trades and balance operations before."""
        if points is None:
            return

        def balance_at(at: dt.datetime) -> int:
            closed = sum(t["net_cents"] for t in stage.trades if t["close_time"] <= at)
            return ctx.b0 + closed + sum(cents for when, cents in operations if when <= at)

        rows = []
        for at, floating in points:
            balance = balance_at(at)
            rows.append(self._snapshot(account, at, balance, balance + (floating or 0)))
        EquitySnapshot.objects.bulk_create(rows)
        self.summary.snapshots += len(rows)

    # -- payouts --------------------------------------------------------------------------

    def payouts(self) -> None:
        """Plan the funded accounts' payouts, then write each account's trades, running its
        payout steps through the payout services as their moments come, and its snapshots."""
        ledgers = []
        for funded in self.funded:
            account, profile = funded.account, funded.account.trader.trader_profile
            ledger = FundedLedger(
                phase=funded.ctx.phase,
                started_at=account.started_at,
                trades=funded.stage.trades,
                operations=funded.operations,
                kyc_status=profile.kyc_status,
                consistency_percent=payout_consistency_percent(account),
                payout_method=profile.payout_method,
                demo_trader=account.trader.email == DEMO_TRADER_EMAIL,
            )
            self.payout_planner.plan_options(ledger)
            ledgers.append(ledger)
        for funded, flows in zip(self.funded, choose_stories(ledgers), strict=True):
            self._write_funded(funded, flows)

    def _write_funded(self, funded: _FundedAccount, flows) -> None:
        account, rows = funded.account, funded.rows
        people = {
            TRADER: account.trader,
            FINANCE: self.staff[FINANCE_EMAILS[FINANCE]],
            FINANCE2: self.staff[FINANCE_EMAILS[FINANCE2]],
        }
        operations, written = list(funded.operations), 0
        for flow in flows:
            payout = None
            for step in flow.steps:
                # The service reads the ledger as it stood: the trades closed by then.
                upto = written
                while upto < len(rows) and rows[upto].close_time <= step.at:
                    upto += 1
                self._write_trades(rows[written:upto])
                written = upto
                payout = run_step(step, flow, account, payout, people)
            self.summary.payouts[payout.status] += 1
            if payout.status == PayoutStatus.PAID:
                operations.append((payout.paid_at, int(payout.withdrawal.amount * 100)))
                self.summary.balance_operations += 1
            elif payout.status == PayoutStatus.REQUESTED and payout.first_approved_by_id:
                self.summary.second_approvals_due += 1
        self._write_trades(rows[written:])
        self._write_snapshots(account, funded.ctx, funded.stage, funded.snapshot_points, operations)

    @staticmethod
    def _snapshot(account, at, balance_cents: int, equity_cents: int) -> EquitySnapshot:
        return EquitySnapshot(
            account=account,
            time=at,
            balance=Decimal(balance_cents) / 100,
            equity=Decimal(equity_cents) / 100,
        )

    def _balance_operations(self, account, stage: Stage) -> list:
        """Some commission refunds, before the first trade (payouts come later, through the
        payout services).

        Returns [(time, signed cents)] for the snapshots' balances."""
        operations = []
        first_open = stage.trades[0]["open_time"]
        if self.rng.random() < 0.12 and first_open - dt.timedelta(minutes=10) > account.started_at:
            at, amount = first_open - dt.timedelta(minutes=10), self.rng.randint(5, 40)
            self._operation(
                account,
                "adjustment",
                Decimal(amount),
                at,
                "Commission refund (platform overcharge)",
            )
            operations.append((at, amount * 100))
        return operations

    def _operation(self, account, kind, amount, at, reason) -> None:
        BalanceOperation.objects.create(
            account=account, kind=kind, amount=amount, time=at, reason=reason
        )
        self.summary.balance_operations += 1


def seed_demo(seed: int = 42, *, now: dt.datetime | None = None, traders: int = 50) -> SeedSummary:
    """Wipe the previous demo data and create the demo firm again, in one transaction.

    The clock reads `now` until the transaction has committed, so what the payout services
    queue for after commit (the risk recompute after a payment) works in the demo's time."""
    now = (now or timezone.now()).replace(microsecond=0)
    with quiet_task_log(), demo_clock(now), transaction.atomic():
        wiped = wipe_demo_data()
        seeder = _Seeder(seed, now, traders)
        seeder.summary.wiped_users = wiped
        for name in SPEC_FILES:
            try:
                loaded = load_program(read_program_spec(PROGRAMS_DIR / name), source=name)
            except SpecError as exc:
                raise DemoSeedError(f"programs/{name}: invalid program spec\n{exc}") from exc
            seeder.summary.programs.append(loaded.program.name)
        people = seeder.people()
        for trader, journeys in people:
            for slug, last, outcome in journeys:
                seeder.journey(trader, slug, last, outcome)
        seeder.payouts()
        # Demo history, not news: its payout emails count as sent when each step happened, so
        # the email tasks queued for after commit find nothing to send.
        PayoutTransition.objects.filter(
            payout__account__trader__email__iendswith=DEMO_EMAIL_SUFFIX
        ).update(notified_at=F("at"))
        accounts = TradingAccount.objects.filter(trader__email=DEMO_TRADER_EMAIL)
        requests = PayoutRequest.objects.filter(account__in=accounts).count()
        seeder.summary.credentials.append(
            (DEMO_TRADER_EMAIL, f"trader ({accounts.count()} accounts, {requests} payout requests)")
        )
        # One hash for every demo login: hashing 56 passwords would take most of the run.
        User.objects.filter(email__iendswith=DEMO_EMAIL_SUFFIX).update(
            password=make_password(DEMO_PASSWORD)
        )
    return seeder.summary
