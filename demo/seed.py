"""The demo firm behind `manage.py seed_demo`: programs, staff, ~50 traders and their last 30 days.

Deterministic for a seed and a "now": the same seed gives the same traders, accounts, trades,
statuses and payouts (times are relative to now: the last 30 days). Re-running first WIPES the
demo data it made before (every user whose email ends in `propdesk.local`, with their accounts,
trades, snapshots, balance operations and payout requests) and creates it again; programs are
(re)loaded from `programs/*.yaml`, which leaves unchanged rule sets alone.

The firm runs through the product (`demo.firm`): trades and snapshots are imported by the
import service, the risk engine and its progression decide every pass, fail and next phase,
the risk desk approves phases through the lifecycle services and finance works payouts through
the payout services (`demo.payouts`). A journey only says what a trader aims at.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, ProtectedError, Q, QuerySet
from django.utils import timezone

from accounts import roles
from accounts.models import KycStatus, PayoutMethod, User
from accounts.services import create_staff_member, create_trader
from accounts.totp import give_totp_authenticator
from demo.firm import Firm, Journey
from demo.live import seed_live
from demo.payouts import PayoutRunner, demo_clock, quiet_task_log
from demo.trading import Aim, DemoSeedError
from evaluations.models import Bridge, Certificate, ImportBatch, TradingAccount
from evaluations.program_spec import SpecError, read_program_spec
from evaluations.services.programs import load_program
from payouts.models import PayoutRequest, PayoutStatus, PayoutTransition
from risk.models import Violation

DEMO_PASSWORD = "demo-pass-2026"
# Staff sign in with a second factor; the demo staff share this published authenticator secret.
DEMO_STAFF_TOTP_SECRET = "PROPDESKDEMOSTAFFKEYTOTP"
DEMO_EMAIL_SUFFIX = "propdesk.local"
DEMO_TRADER_EMAIL = "trader@propdesk.local"
PROGRAMS_DIR = settings.BASE_DIR / "programs"
SPEC_FILES = ("ftmo-2step-100k.yaml", "one-step-100k-eod.yaml", "futures-combine-50k.yaml")
FINANCE_EMAILS = ("finance@propdesk.local", "finance2@propdesk.local", "payments@propdesk.local")
STAFF = (
    ("admin@propdesk.local", roles.ADMINS, True, "Ada", "Admin"),
    ("risk@propdesk.local", roles.RISK, False, "Rick", "Risk"),
    ("finance@propdesk.local", roles.FINANCE, False, "Fiona", "Finance"),
    ("finance2@propdesk.local", roles.FINANCE, False, "Felix", "Finance"),
    ("payments@propdesk.local", roles.FINANCE, False, "Paula", "Payments"),
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
# (program slug, what the trader aims at in each phase they reach). The engine decides what
# happens: a trader aiming to pass usually passes, one who blows up usually fails.
P, S, X, B, C = Aim.PASS, Aim.STEADY, Aim.STAR, Aim.BLOW_UP, Aim.CLOSE
JOURNEYS = (
    ("ftmo-2step-100k", (S,)),
    ("ftmo-2step-100k", (B,)),
    ("ftmo-2step-100k", (P, S)),
    ("ftmo-2step-100k", (P, P)),  # Phase 2 passed, waiting for the risk desk's approval
    ("ftmo-2step-100k", (P, P, S)),
    ("one-step-100k-eod", (S,)),
    ("one-step-100k-eod", (B,)),
    ("one-step-100k-eod", (P, X)),
    ("futures-combine-50k", (S,)),
    ("futures-combine-50k", (B,)),
    ("futures-combine-50k", (P, S)),
    ("ftmo-2step-100k", (P, B)),
    ("ftmo-2step-100k", (P, P, B)),
    ("ftmo-2step-100k", (C,)),
    ("one-step-100k-eod", (P, C)),
    ("one-step-100k-eod", (P, B)),
    ("futures-combine-50k", (P, B)),
    ("one-step-100k-eod", (P, S)),
)
DEMO_TRADER_JOURNEYS = (
    ("one-step-100k-eod", (P, X)),  # funded early: a rejected and a paid payout
    ("ftmo-2step-100k", (P, P, S)),
    ("one-step-100k-eod", (S,)),
    ("futures-combine-50k", (B,)),
    ("ftmo-2step-100k", (P, P)),
)
WEEKDAYS_IN_WINDOW = 20  # the last 29 days hold 20 or 21 weekdays


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
    live_minutes: int = 0  # per-minute equity bars of the demo trader's live account
    platform_commands: int = 0  # commands the demo bridge carried out
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
        if self.live_minutes or self.platform_commands:
            out.append(
                f"Live risk: the demo trader's accounts run on the bridge demo-mt5; "
                f"{self.live_minutes} minutes of live equity, today's 80 % warning, "
                f"{self.platform_commands} platform command(s) after failures. Without Redis "
                "no monitor runs here (docs/live-risk.md)."
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


def demo_users() -> QuerySet[User]:
    """The users the demo made (and replaces): emails at propdesk.local or a subdomain of it."""
    return User.objects.filter(
        Q(email__iendswith=f"@{DEMO_EMAIL_SUFFIX}") | Q(email__iendswith=f".{DEMO_EMAIL_SUFFIX}")
    )


def other_users() -> QuerySet[User]:
    """Users the demo did not make: a database holding them is not a demo database."""
    return User.objects.exclude(pk__in=demo_users().values("pk"))


def wipe_demo_data() -> int:
    """Delete every demo user (`demo_users`), their accounts, imports and payouts."""
    users = demo_users()
    accounts = TradingAccount.objects.filter(trader__in=users)
    try:
        # Payout requests protect their account, people and withdrawal: they go first.
        payouts = PayoutRequest.objects.filter(account__in=accounts)
        payout_ids = list(payouts.values_list("pk", flat=True))
        payouts.delete()
        PayoutRequest.history.filter(id__in=payout_ids).delete()
        # Certificates protect their account too.
        Certificate.objects.filter(account__in=accounts).delete()
        # previous_account is PROTECT: unlink the chains before deleting them.
        accounts.update(previous_account=None)
        accounts.delete()
        Bridge.objects.filter(user__in=users).delete()  # its commands went with the accounts
        ImportBatch.objects.filter(created_by__in=users).delete()
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
        self.staff: dict[str, User] = {}

    # -- people ---------------------------------------------------------------------------

    def people(self) -> list[Journey]:
        for email, role, superuser, first, last in STAFF:
            member = create_staff_member(
                email, role, superuser=superuser, first_name=first, last_name=last
            )
            give_totp_authenticator(member, DEMO_STAFF_TOTP_SECRET)
            self.staff[email] = member
            label = f"superuser, {role}" if superuser else role
            self.summary.credentials.append((email, label))
        tess = create_trader(
            DEMO_TRADER_EMAIL,
            country="DE",
            first_name="Tess",
            last_name="Trader",
            kyc_status=KycStatus.VERIFIED,
            timezone_name="Europe/Berlin",
        )
        journeys = [
            Journey(tess, slug, aims, start=0, demo_trader=True)
            for slug, aims in DEMO_TRADER_JOURNEYS
        ]
        for n in range(self.trader_count - 1):
            first, last = FIRST_NAMES[n % len(FIRST_NAMES)], self.rng.choice(LAST_NAMES)
            plans = [JOURNEYS[n % len(JOURNEYS)]]
            if self.rng.random() < 0.45:
                plans.append(self.rng.choice(JOURNEYS))
            to_funding = any(len(aims) >= 2 and slug != "ftmo-2step-100k" for slug, aims in plans)
            to_funding |= any(len(aims) >= 3 for _, aims in plans)
            kyc = KycStatus.VERIFIED
            if not to_funding:
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
            journeys += [Journey(user, slug, aims, self._start(aims)) for slug, aims in plans]
        self.summary.traders = 1 + self.trader_count - 1
        return journeys

    def _start(self, aims: tuple[Aim, ...]) -> int:
        """The weekday the journey begins: early enough for its phases (and for a funded
        account to reach its first payout), or anywhere for a single phase."""
        if len(aims) >= 3 or aims[-1] == Aim.STAR:
            return self.rng.randint(0, 1)
        if len(aims) == 2:
            return self.rng.randint(0, 6)
        return self.rng.randint(0, WEEKDAYS_IN_WINDOW - 6)


def _silence_history() -> None:
    """Demo history, not news: its payout and violation emails count as sent when each step
    happened, so the email tasks queued for after commit find nothing to send. The failed-trader
    email stays wired: its violation is the one marked `failed_account` by the engine."""
    users = demo_users()
    PayoutTransition.objects.filter(payout__account__trader__in=users).update(notified_at=F("at"))
    violations = Violation.objects.filter(account__trader__in=users)
    violations.update(notified_at=F("time"))
    violations.filter(failed_account=True).update(trader_notified_at=F("time"))


def seed_demo(seed: int = 42, *, now: dt.datetime | None = None, traders: int = 50) -> SeedSummary:
    """Wipe the previous demo data and create the demo firm again, in one transaction.

    The clock reads `now` until the transaction has committed, so what the services queue for
    after commit (the risk recompute after a payment) works in the demo's time."""
    now = (now or timezone.now()).replace(microsecond=0)
    with quiet_task_log(), demo_clock(now), transaction.atomic():
        wiped = wipe_demo_data()
        seeder = _Seeder(seed, now, traders)
        summary = seeder.summary
        summary.wiped_users = wiped
        for name in SPEC_FILES:
            try:
                loaded = load_program(read_program_spec(PROGRAMS_DIR / name), source=name)
            except SpecError as exc:
                raise DemoSeedError(f"programs/{name}: invalid program spec\n{exc}") from exc
            summary.programs.append(loaded.program.name)
        journeys = seeder.people()
        finance = [seeder.staff[email] for email in FINANCE_EMAILS]
        # Payouts draw from their own stream: the trades stay what they were without them.
        runner = PayoutRunner(random.Random(f"{seed}:payouts"), finance)
        firm = Firm(seeder.rng, now, seeder.staff, runner)
        firm.run(journeys)
        live = seed_live(DEMO_TRADER_EMAIL, now, random.Random(f"{seed}:live"))
        summary.live_minutes, summary.platform_commands = live.minutes, live.commands
        _silence_history()
        demo_accounts = TradingAccount.objects.filter(trader__in=demo_users())
        summary.statuses = Counter(demo_accounts.values_list("status", flat=True))
        summary.trades, summary.snapshots = firm.counts.trades, firm.counts.snapshots
        summary.balance_operations = runner.counts.withdrawals
        summary.payouts = runner.counts.requests
        summary.second_approvals_due = runner.counts.second_approvals_due
        accounts = TradingAccount.objects.filter(trader__email=DEMO_TRADER_EMAIL)
        requests = PayoutRequest.objects.filter(account__in=accounts).count()
        summary.credentials.append(
            (DEMO_TRADER_EMAIL, f"trader ({accounts.count()} accounts, {requests} payout requests)")
        )
        # One hash for every demo login: hashing 56 passwords would take most of the run.
        demo_users().update(password=make_password(DEMO_PASSWORD))
    return summary
