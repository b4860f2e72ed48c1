"""The world the access matrix runs in: two traders with the same kinds of objects, one staff
user per role, a superuser and a platform bridge, and at least one row of every model the
admin shows (so every admin change page has an object to open)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.authtoken.models import Token

from abuse.models import Case
from accounts import audit
from accounts.models import AuditAction, RoleGrantRequest, User
from accounts.roles import ADMINS, FINANCE, RISK, SUPPORT
from evaluations.models import Certificate, PlatformCommand, TradingAccount
from imports.management.commands.create_bridge import bridge_group
from payouts.models import PaymentRun, PayoutRequest
from risk.models import Violation
from tests.builders import evaluate, funded_account, rule_set_for
from tests.factories import (
    T0,
    AccountAliasFactory,
    BalanceOperationFactory,
    BridgeFactory,
    CaseFactory,
    CertificateFactory,
    DailyReportFactory,
    EconomicEventFactory,
    EquitySnapshotFactory,
    EvaluationFailureFactory,
    FundedPhaseFactory,
    ImportBatchFactory,
    LoginRecordFactory,
    PayeeChangeFactory,
    PaymentRunFactory,
    PayoutRequestFactory,
    PayoutTransitionFactory,
    PhaseFactory,
    PlatformCommandFactory,
    ProgramFactory,
    RuleFactory,
    RuleSetFactory,
    TradeFactory,
    TraderFactory,
    TradingAccountFactory,
    UserFactory,
    staff_user,
)

D = Decimal
ANONYMOUS, TRADER_A, TRADER_B, SUPERUSER, BRIDGE = (
    "anonymous",
    "trader A",
    "trader B",
    "superuser",
    "bridge",
)
ROLES = (ANONYMOUS, TRADER_A, TRADER_B, SUPPORT, RISK, FINANCE, ADMINS, SUPERUSER, BRIDGE)


@dataclass
class TraderWorld:
    user: User
    evaluation: TradingAccount  # failed, with trades and the violation that failed it
    funded: TradingAccount  # funded, with a trade and a soft warning
    violation: Violation
    payout: PayoutRequest | None = None
    payment_run: PaymentRun | None = None  # a draft run (finance's, no trader's object)
    certificate: Certificate | None = None
    abuse_case: Case | None = None  # an open case naming the funded account
    command: PlatformCommand | None = None  # a platform command about the funded account


@dataclass
class World:
    a: TraderWorld
    b: TraderWorld
    users: dict[str, User | None] = field(default_factory=dict)
    # the object each admin change page opens, by model label ("risk.violation")
    admin_objects: dict[str, object] = field(default_factory=dict)


def _trader(tag: str, evaluation_rules, funded_rules) -> TraderWorld:
    """Trader `tag`: an evaluation the engine fails on day 1 (5,500.00 lost against a 5% daily
    limit) and a funded account whose one trade, held over the weekend, the engine warns about."""
    user = TraderFactory(email=f"trader-{tag}@traders.example")
    evaluation = TradingAccountFactory(trader=user, rule_set=evaluation_rules)
    for hour, profit in ((1, "-3000.00"), (5, "-2500.00")):
        TradeFactory(
            account=evaluation,
            profit=D(profit),
            open_time=T0 + dt.timedelta(days=1, hours=hour),
            close_time=T0 + dt.timedelta(days=1, hours=hour + 1),
        )
    funded = funded_account(
        trader=user,
        rule_set=funded_rules,
        start=T0 + dt.timedelta(days=3),
        previous_account=evaluation,
    )
    TradeFactory(
        account=funded,
        profit=D("2500.00"),
        open_time=T0 + dt.timedelta(days=4),  # Friday
        close_time=T0 + dt.timedelta(days=7, hours=1),  # Monday
    )
    evaluate(evaluation, funded)
    violation = evaluation.violations.get(failed_account=True)
    assert evaluation.status == "failed" and funded.violations.get().severity == "soft"
    return TraderWorld(user, evaluation, funded, violation)


def build_world() -> World:
    program = ProgramFactory(name="Matrix 100k", slug="matrix-100k")
    evaluation_rules = RuleSetFactory(phase=PhaseFactory(program=program))
    RuleFactory(rule_set=evaluation_rules)  # max daily loss 5%
    funded_rules = rule_set_for(
        FundedPhaseFactory(program=program), [("weekend_holding", "soft", {})]
    )
    a = _trader("a", evaluation_rules, funded_rules)
    b = _trader("b", evaluation_rules, funded_rules)
    a.payout, b.payout = (
        PayoutRequestFactory(account=a.funded),
        PayoutRequestFactory(account=b.funded),
    )
    a.abuse_case, b.abuse_case = CaseFactory(accounts=[a.funded]), CaseFactory(accounts=[b.funded])
    a.payment_run = b.payment_run = PaymentRunFactory()  # the firm's, no trader's
    a.certificate, b.certificate = (
        CertificateFactory(account=a.funded),
        CertificateFactory(account=b.funded),
    )

    bridge = UserFactory(email="bridge-matrix@bridges.propdesk.invalid")
    bridge.groups.add(bridge_group())
    bridge_row = BridgeFactory(name="matrix-bridge", user=bridge)
    a.command, b.command = (
        PlatformCommandFactory(bridge=bridge_row, account=a.funded, key="matrix:a"),
        PlatformCommandFactory(bridge=bridge_row, account=b.funded, key="matrix:b"),
    )
    users = {
        ANONYMOUS: None,
        TRADER_A: a.user,
        TRADER_B: b.user,
        **{role: staff_user(role) for role in (SUPPORT, RISK, FINANCE, ADMINS)},
        SUPERUSER: UserFactory(email="root@firm.example", is_staff=True, is_superuser=True),
        BRIDGE: bridge,
    }
    world = World(a=a, b=b, users=users)

    now = timezone.now()
    objects = [
        a.user,
        a.user.trader_profile,
        Group.objects.get(name=RISK),
        Token.objects.create(user=bridge),
        EmailAddress.objects.create(user=a.user, email=a.user.email, verified=True, primary=True),
        Authenticator.objects.create(
            user=a.user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00", "used_mask": 0}
        ),
        PeriodicTask.objects.order_by("pk").first()
        or PeriodicTask.objects.create(
            name="matrix", task="propdesk.ping", interval=IntervalSchedule.objects.create(every=1)
        ),
        ClockedSchedule.objects.create(clocked_time=now),
        CrontabSchedule.objects.create(minute="5"),
        SolarSchedule.objects.create(event="sunrise", latitude=D("50"), longitude=D("14")),
        IntervalSchedule.objects.create(every=7, period="days"),
        ImportBatchFactory(account=a.funded, created_by=bridge),
        program,
        funded_rules.phase,
        funded_rules,
        evaluation_rules.rules.get(),
        a.funded,
        a.funded.trades.get(),
        AccountAliasFactory(account=a.funded),
        bridge_row,
        a.command,
        LoginRecordFactory(user=a.user),
        a.certificate,
        EquitySnapshotFactory(account=a.funded, time=T0 + dt.timedelta(days=4, hours=2)),
        BalanceOperationFactory(account=a.funded, time=T0 + dt.timedelta(days=3)),
        a.violation,
        a.funded.metrics,
        a.funded.daily_metrics.order_by("day").first(),
        EconomicEventFactory(),
        EvaluationFailureFactory(account=a.evaluation),
        a.payout,
        PayoutTransitionFactory(payout=a.payout),
        PayeeChangeFactory(trader=a.user),
        DailyReportFactory(),
        audit.record(AuditAction.LOGIN_SUCCEEDED, actor=a.user, obj=a.user, summary="logged in"),
        RoleGrantRequest.objects.create(
            user=users[SUPPORT], role=FINANCE, requested_by=users[ADMINS]
        ),
    ]
    world.admin_objects = {obj._meta.label_lower: obj for obj in objects}
    return world


@pytest.fixture
def world(db) -> World:
    return build_world()
