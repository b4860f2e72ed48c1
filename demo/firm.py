"""The demo firm lives through its last 30 days, one weekday at a time, through the product.

Every weekday:
- morning: traders whose journey starts today open their first account (`open_account`); the
  risk desk approves the next phase of accounts that passed a phase without auto-advance when
  the trader's journey goes on (`approve_phase_advance`); traders who asked for it have their
  account closed (`close_account`);
- the day's trading: each open account's trader plans the day from the engine's stored metrics
  (`demo.trading`); the trades are imported as one canonical CSV (`imports.service.import_file`)
  and the bridges' equity snapshots as one JSON batch (`import_items`), as platforms would;
- evening: the accounts the imports changed are evaluated by the risk engine as of the evening
  (`evaluate_accounts`), which fails, passes and opens next phases (`risk.services.progression`);
  then funded accounts' payouts go through the payout services (`demo.payouts`).

Nothing here sets a status or knows a rule: the engine is the judge. An import queues the
recompute of the accounts it changed after its transaction commits (`imports.hooks`); the demo
seeds in one transaction and in the past, so it evaluates those accounts itself, at the day's
moment, and the queued recompute would only repeat it (`evaluated_here`).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from accounts.models import User
from demo.payouts import PayoutDesk, demo_clock
from demo.trading import Aim, DayTrader, DemoSeedError, Standing, Temperament
from evaluations.models import (
    AccountStatus,
    ImportSource,
    ImportStatus,
    Phase,
    PhaseKind,
    Platform,
    Program,
    TradingAccount,
)
from evaluations.services import accounts as account_services
from imports import service as import_service
from risk.models import AccountMetrics
from risk.services.evaluation import evaluate_accounts

UTC = dt.UTC
OPEN = (AccountStatus.ACTIVE, AccountStatus.FUNDED)
TRADE_COLUMNS = (
    "account", "ticket", "symbol", "side", "volume", "open_time", "open_price", "close_time",
    "close_price", "commission", "swap", "fees", "profit",
)  # fmt: skip


@dataclass
class Journey:
    """One trader's way through one program: their aim in each phase they reach."""

    trader: User
    slug: str
    aims: tuple[Aim, ...]
    start: int  # index of the weekday the first account opens
    demo_trader: bool = False


@dataclass
class Desk:
    """An open account the demo trades, and the trader's temperament on it."""

    account: TradingAccount
    journey: Journey
    phase_index: int
    who: Temperament
    bridge: bool  # pushes equity snapshots
    ticket: int
    payouts: PayoutDesk | None = None


@dataclass
class FirmCounts:
    trades: int = 0
    snapshots: int = 0
    imports: int = 0
    evaluations: int = 0
    opened: list[TradingAccount] = field(default_factory=list)


class _SeededLogins:
    """`secrets` for `evaluations.services.accounts`: logins of the accounts progression opens
    come from the demo's random stream, so the same seed gives the same logins."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def randbelow(self, n: int) -> int:
        return self.rng.randrange(n)


@contextmanager
def evaluated_here(changed: set[int]) -> Iterator[None]:
    """Collect the ids an import would queue for recompute into `changed` instead; the demo
    evaluates them as of the day's evening (see the module docstring). The next phases that
    progression and the risk desk open send no account-opened email: the demo mails nobody."""
    advance = functools.partial(account_services.advance_to_next_phase, notify=False)
    with (
        mock.patch.object(import_service, "enqueue_recompute", changed.update),
        mock.patch.object(account_services, "advance_to_next_phase", advance),
    ):
        yield


class Firm:
    def __init__(self, rng: random.Random, now: dt.datetime, staff: dict[str, User], payouts):
        self.rng = rng
        self.now = now
        self.staff = staff
        self.payouts = payouts  # demo.payouts.PayoutRunner
        self.trader = DayTrader(rng)
        self.counts = FirmCounts()
        self.desks: list[Desk] = []
        self.waiting: list[tuple[TradingAccount, Journey, int]] = []  # passed, to be approved
        today = now.astimezone(UTC).date()
        self.weekdays = [
            today - dt.timedelta(days=n)
            for n in range(29, 0, -1)
            if (today - dt.timedelta(days=n)).weekday() < 5
        ]
        self._phases: dict[int, dict] = {}

    # -- accounts -------------------------------------------------------------------------

    def _phase_facts(self, phase: Phase) -> dict:
        """What a trader knows of a phase before trading: the platform and the size cap."""
        if phase.pk not in self._phases:
            rules = {r.code: r.params for r in phase.current_rule_set.rules.all()}
            self._phases[phase.pk] = {
                "futures": phase.program.platform in (Platform.TRADOVATE, Platform.NINJATRADER),
                "max_volume": Decimal(rules.get("max_position_size", {}).get("max_volume", "50")),
            }
        return self._phases[phase.pk]

    def _desk(self, account: TradingAccount, journey: Journey, phase_index: int) -> Desk:
        aim = journey.aims[phase_index] if phase_index < len(journey.aims) else Aim.STEADY
        who = Temperament.draw(self.rng, aim, **self._phase_facts(account.phase))
        desk = Desk(
            account,
            journey,
            phase_index,
            who,
            bridge=self.rng.random() < 0.6,
            ticket=self.rng.randint(10_000_000, 80_000_000),
        )
        if account.phase.kind == PhaseKind.FUNDED:
            desk.payouts = self.payouts.desk(account, journey.demo_trader, aim == Aim.STAR)
        self.counts.opened.append(account)
        return desk

    def _open_first(self, journey: Journey, morning: dt.datetime) -> None:
        program = Program.objects.get(slug=journey.slug)
        started = morning - dt.timedelta(minutes=self.rng.randint(10, 600))
        with demo_clock(started):
            account = account_services.open_account(
                journey.trader,
                program,
                login=account_services.generate_login(self.rng),
                started_at=started,
                notify=False,
            )
        self.desks.append(self._desk(account, journey, 0))

    def _morning(self, index: int, morning: dt.datetime, journeys: list[Journey]) -> None:
        risk = self.staff["risk@propdesk.local"]
        with demo_clock(morning):
            for account, journey, phase_index in self.waiting:
                following = account_services.approve_phase_advance(account, by=risk)
                self.desks.append(self._desk(following, journey, phase_index + 1))
            self.waiting = []
            for desk in [d for d in self.desks if d.who.wants_to_close]:
                account_services.close_account(
                    desk.account,
                    by=desk.journey.trader,
                    reason="Closed at the trader's request",
                    at=morning,
                )
                self.desks.remove(desk)
        for journey in journeys:
            if journey.start == index:
                self._open_first(journey, morning)

    # -- a day ----------------------------------------------------------------------------

    def run(self, journeys: list[Journey]) -> None:
        last = len(self.weekdays) - 1
        for index, day in enumerate(self.weekdays):
            morning = dt.datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
            evening = dt.datetime(day.year, day.month, day.day, 21, 30, tzinfo=UTC)
            changed: set[int] = set()
            with (
                evaluated_here(changed),
                mock.patch.object(account_services, "secrets", _SeededLogins(self.rng)),
            ):
                self._morning(index, morning, journeys)
                self._trade(day)
                self._evaluate(changed, evening)
                self.payouts.evening(self.desks, evening, last_day=index == last)
        if any(j.start > last for j in journeys):
            raise DemoSeedError("a journey starts after the last weekday of the demo window")

    def _standings(self) -> dict[int, Standing]:
        ids = [d.account.pk for d in self.desks]
        metrics = AccountMetrics.objects.in_bulk(ids, field_name="account_id")
        return {
            d.account.pk: Standing.of(d.account.initial_balance, metrics.get(d.account.pk))
            for d in self.desks
        }

    def _trade(self, day: dt.date) -> None:
        new = [d.account.pk for d in self.desks if d.who.days_traded == 0]
        if new:  # what the trader sees before the first trade: the objectives and the limits
            before = dt.datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
            with demo_clock(before):
                evaluate_accounts(new, as_of=before, notify=False)
        standings = self._standings()
        rows, snapshots = [], []
        for desk in self.desks:
            if desk.payouts is not None and desk.payouts.waiting_in_queue:
                continue
            if self.rng.random() < 0.15 and desk.who.aim != Aim.PASS:
                continue  # a day off
            standing = standings[desk.account.pk]
            trades = self.trader.trades(desk.who, day, self.trader.day_nets(desk.who, standing))
            desk.who.days_traded += 1
            login = desk.account.login
            for trade in trades:
                desk.ticket += self.rng.randint(1, 60)
                rows.append({"account": login, "ticket": desk.ticket, **trade})
            if desk.bridge:
                snapshots += self._snapshots(login, standing.balance, trades, day)
        if rows:
            self._import_trades(rows, day)
        if snapshots:
            bridge = self.staff["risk@propdesk.local"]
            batch = import_service.import_items("snapshots", snapshots, user=bridge)
            self._check(batch, f"snapshots of {day}")
            self.counts.snapshots += batch.rows_new

    def _snapshots(self, login: str, balance: int, trades: list[dict], day: dt.date) -> list:
        """What a bridge pushes: a point in the middle of some trades (with their floating P&L)
        and one at 21:00 UTC, after the session. Balance = the balance the engine last stored
        plus today's closed trades."""
        items = []
        for trade in trades:
            if self.rng.random() < 0.35:
                middle = trade["open_time"] + (trade["close_time"] - trade["open_time"]) / 2
                floating = int(trade["net_cents"] * self.rng.uniform(0.2, 0.9))
                items.append(_snapshot(login, middle, balance, balance + floating))
            balance += trade["net_cents"]
        close = dt.datetime(day.year, day.month, day.day, 21, 0, tzinfo=UTC)
        items.append(_snapshot(login, close, balance, balance))
        return items

    def _import_trades(self, rows: list[dict], day: dt.date) -> None:
        text = io.StringIO()
        writer = csv.DictWriter(text, TRADE_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                row
                | {
                    "open_time": row["open_time"].isoformat(),
                    "close_time": row["close_time"].isoformat(),
                }
            )
        batch = import_service.import_file(
            io.BytesIO(text.getvalue().encode()),
            fmt="canonical",
            source=ImportSource.CLI,
            user=self.staff["risk@propdesk.local"],
            filename=f"demo-trades-{day}.csv",
        )
        self._check(batch, f"trades of {day}")
        self.counts.trades += batch.rows_new
        self.counts.imports += 1

    @staticmethod
    def _check(batch, what: str) -> None:
        if batch.status != ImportStatus.COMMITTED:
            raise DemoSeedError(f"the demo's {what} were not imported: {batch.errors[:3]}")

    def _evaluate(self, changed: set[int], evening: dt.datetime) -> None:
        """The engine judges the changed accounts as of the evening; the demo follows: a failed
        or passed account is no longer traded, a next phase opened by progression is."""
        if not changed:
            return
        with demo_clock(evening):
            report = evaluate_accounts(sorted(changed), as_of=evening, notify=False)
        self.counts.evaluations += 1
        ended = set(report.failed) | set(report.passed)
        by_id = {d.account.pk: d for d in self.desks}
        for desk in [by_id[i] for i in sorted(ended) if i in by_id]:
            self.desks.remove(desk)
        opened = TradingAccount.objects.select_related("phase", "program").in_bulk(report.opened)
        for account_id in sorted(report.passed):
            desk = by_id.get(account_id)
            if desk is None:
                continue
            following = next(
                (a for a in opened.values() if a.previous_account_id == account_id), None
            )
            if following is not None:
                self.desks.append(self._desk(following, desk.journey, desk.phase_index + 1))
            elif desk.phase_index + 1 < len(desk.journey.aims):
                # No auto-advance: the risk desk approves the next phase in the morning.
                desk.account.refresh_from_db()
                self.waiting.append((desk.account, desk.journey, desk.phase_index))


def _snapshot(login: str, at: dt.datetime, balance: int, equity: int) -> dict:
    return {
        "account": login,
        "time": at.isoformat(),
        "balance": str(Decimal(balance) / 100),
        "equity": str(Decimal(equity) / 100),
    }
