"""The demo firm behind `manage.py seed_demo`: programs, staff, ~50 traders, accounts and trades.

Deterministic for a seed and a "now": the same seed gives the same traders, accounts and
trades (times are relative to now: the last 30 days). Re-running first WIPES the demo data it
made before (every user whose email ends in `propdesk.local`, with their accounts, trades,
snapshots and balance operations) and creates it again; programs are (re)loaded from
`programs/*.yaml`, which leaves unchanged rule sets alone.

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
from django.db.models import ProtectedError
from django.utils import timezone

from accounts import roles
from accounts.models import KycStatus, PayoutMethod, User
from accounts.services import create_staff_member, create_trader
from accounts.totp import give_totp_authenticator
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
from evaluations.services.demo_market import trading_day
from evaluations.services.demo_stages import DemoSeedError, PhaseContext, Stage, StagePlanner
from evaluations.services.programs import load_program

DEMO_PASSWORD = "demo-pass-2026"
# Staff sign in with a second factor; the demo staff share this published authenticator secret.
DEMO_STAFF_TOTP_SECRET = "PROPDESKDEMOSTAFFKEYTOTP"
DEMO_EMAIL_SUFFIX = "propdesk.local"
DEMO_TRADER_EMAIL = "trader@propdesk.local"
PROGRAMS_DIR = settings.BASE_DIR / "programs"
SPEC_FILES = ("ftmo-2step-100k.yaml", "one-step-100k-eod.yaml", "futures-combine-50k.yaml")
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
class SeedSummary:
    seed: int
    programs: list[str] = field(default_factory=list)
    traders: int = 0
    statuses: Counter = field(default_factory=Counter)
    trades: int = 0
    snapshots: int = 0
    balance_operations: int = 0
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
    """Delete every demo user (email ending in propdesk.local) and their accounts."""
    users = User.objects.filter(email__iendswith=DEMO_EMAIL_SUFFIX)
    accounts = TradingAccount.objects.filter(trader__in=users)
    try:
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

    def _day_counts(self, stages: list[tuple[PhaseContext, str]]) -> list[int]:
        counts = []
        for ctx, outcome in stages:
            if outcome == "passed":
                counts.append(max(ctx.min_days, 3) + self.rng.randint(0, 2))
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
        or funded) trades until yesterday; a failed or closed one stops earlier.
        """
        program = Program.objects.get(slug=slug)
        phases = list(program.phases.order_by("order"))[: last + 1]
        stages = [(self._context(p), "passed") for p in phases[:-1]]
        stages.append((self._context(phases[-1]), outcome))
        counts = self._day_counts(stages)
        available = len(self.weekdays)
        if counts[-1] == 0:
            counts[-1] = max(3, available - sum(counts) - self.rng.randint(0, 4))
            start = max(0, available - sum(counts))
        else:
            start = self.rng.randint(0, max(0, available - sum(counts)))
        previous = None
        for (ctx, stage_outcome), count in zip(stages, counts, strict=True):
            days = self.weekdays[start : start + count]
            start += count
            if len(days) < max(1, ctx.min_days if stage_outcome == "passed" else 1):
                raise DemoSeedError(f"not enough weekdays in the last 30 days for {ctx.phase}")
            stage = self.planner.plan(ctx, days, stage_outcome)
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
        Trade.objects.bulk_create(rows)
        self.summary.trades += len(rows)
        operations = self._balance_operations(account, ctx, stage, outcome)
        if self.rng.random() < 0.6:
            self._snapshots(account, ctx, stage, outcome, operations)

    def _snapshots(self, account, ctx: PhaseContext, stage: Stage, outcome, operations) -> None:
        """Mid-trade equity between the balances before and after; end-of-day equity = balance.

        None on a failing day, so the first breach stays the failing trade's close."""
        last_day = trading_day(stage.trades[-1]["close_time"], ctx.zone, ctx.phase.reset_hour)

        def balance_at(at: dt.datetime) -> int:
            closed = sum(t["net_cents"] for t in stage.trades if t["close_time"] <= at)
            return ctx.b0 + closed + sum(cents for when, cents in operations if when <= at)

        rows, days = [], {}
        for trade in stage.trades:
            day = trading_day(trade["close_time"], ctx.zone, ctx.phase.reset_hour)
            if outcome == "failed" and day == last_day:
                continue
            days[trade["close_time"].date()] = True
            if self.rng.random() < 0.35:
                middle = trade["open_time"] + (trade["close_time"] - trade["open_time"]) / 2
                balance = balance_at(middle)
                floating = int(trade["net_cents"] * self.rng.uniform(0.2, 0.9))
                rows.append(self._snapshot(account, middle, balance, balance + floating))
        for day in days:
            at = dt.datetime(day.year, day.month, day.day, 21, 0, tzinfo=UTC)
            if at < self.now and (stage.ended_at is None or at < stage.ended_at):
                balance = balance_at(at)
                rows.append(self._snapshot(account, at, balance, balance))
        EquitySnapshot.objects.bulk_create(rows)
        self.summary.snapshots += len(rows)

    @staticmethod
    def _snapshot(account, at, balance_cents: int, equity_cents: int) -> EquitySnapshot:
        return EquitySnapshot(
            account=account,
            time=at,
            balance=Decimal(balance_cents) / 100,
            equity=Decimal(equity_cents) / 100,
        )

    def _balance_operations(self, account, ctx: PhaseContext, stage: Stage, outcome) -> list:
        """Some commission refunds; on static-loss funded accounts, a paid payout.

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
        total_loss_modes = {
            r.params.get("mode", "static") for r in ctx.loss_rules if r.code == "max_total_loss"
        }
        static = total_loss_modes <= {"static"}
        if ctx.phase.kind != PhaseKind.FUNDED or outcome not in ("funded", "closed") or not static:
            return operations
        # A paid payout: the whole profit withdrawn on a Saturday (no trading, no daily breach),
        # only if later trading keeps clear of the static floor from the lower balance.
        balance = ctx.b0 + sum(cents for _, cents in operations)
        for index, trade in enumerate(stage.trades):
            balance += trade["net_cents"]
            close = trade["close_time"]
            saturday = close.date() + dt.timedelta(days=(5 - close.weekday()) % 7 or 7)
            at = dt.datetime(saturday.year, saturday.month, saturday.day, 10, tzinfo=UTC)
            later = stage.trades[index + 1 :]
            if at >= self.now or (stage.ended_at and at >= stage.ended_at):
                break
            if later and later[0]["open_time"] < at:
                continue
            profit = balance - ctx.b0
            lowest_later = min(
                (balance + sum(t["net_cents"] for t in later[: n + 1]) for n in range(len(later))),
                default=balance,
            )
            if (
                ctx.b0 // 200 < profit < ctx.b0 * 35 // 1000
                and lowest_later - profit > ctx.b0 * 0.93
            ):
                reason = f"Payout of profit (trader share {ctx.phase.profit_split}%)"
                reference = f"PAYOUT-{account.login}-1"
                amount = -Decimal(profit) / 100
                self._operation(account, "withdrawal", amount, at, reason, reference)
                operations.append((at, -profit))
            break
        return operations

    def _operation(self, account, kind, amount, at, reason, reference="") -> None:
        BalanceOperation.objects.create(
            account=account, kind=kind, amount=amount, time=at, reason=reason, reference=reference
        )
        self.summary.balance_operations += 1


def seed_demo(seed: int = 42, *, now: dt.datetime | None = None, traders: int = 50) -> SeedSummary:
    """Wipe the previous demo data and create the demo firm again, in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
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
        accounts = TradingAccount.objects.filter(trader__email=DEMO_TRADER_EMAIL).count()
        seeder.summary.credentials.append((DEMO_TRADER_EMAIL, f"trader ({accounts} accounts)"))
        # One hash for every demo login: hashing 56 passwords would take most of the run.
        User.objects.filter(email__iendswith=DEMO_EMAIL_SUFFIX).update(
            password=make_password(DEMO_PASSWORD)
        )
    return seeder.summary
