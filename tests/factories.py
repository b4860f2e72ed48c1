"""factory-boy factories for the whole suite. Money as Decimal strings, times aware UTC."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import AuditAction, AuditEvent, KycStatus, TraderProfile, User
from evaluations.models import (
    BalanceOperation,
    EquitySnapshot,
    Phase,
    PhaseKind,
    Program,
    Rule,
    RuleSet,
    Trade,
    TradingAccount,
)

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.is_staff = True
            self.save(update_fields=["is_staff", "password"])
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        elif create:
            self.save()


class TraderProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TraderProfile

    user = factory.SubFactory(UserFactory)
    country = "DE"
    kyc_status = KycStatus.VERIFIED


class TraderFactory(UserFactory):
    profile = factory.RelatedFactory(TraderProfileFactory, factory_related_name="user")


def staff_user(role: str, email: str | None = None) -> User:
    return UserFactory(email=email or f"{role}@firm.example", roles=[role])


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"2-Step 100k #{n}")
    slug = factory.Sequence(lambda n: f"two-step-100k-{n}")
    account_size = Decimal("100000.00")
    currency = "USD"
    price = Decimal("540.00")


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    program = factory.SubFactory(ProgramFactory)
    order = 1
    name = "Phase 1"
    kind = PhaseKind.EVALUATION
    reset_tz = "Europe/Prague"
    reset_hour = 0


class FundedPhaseFactory(PhaseFactory):
    order = 3
    name = "Funded"
    kind = PhaseKind.FUNDED
    profit_split = Decimal("80.00")
    payout_cycle_days = 14


class RuleSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleSet

    phase = factory.SubFactory(PhaseFactory)
    version = 1


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule

    rule_set = factory.SubFactory(RuleSetFactory)
    code = "max_daily_loss"
    severity = "hard"
    params = factory.LazyFunction(lambda: {"percent": "5"})


class TradingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TradingAccount

    login = factory.Sequence(lambda n: f"{5_000_000 + n}")
    trader = factory.SubFactory(TraderFactory)
    rule_set = factory.SubFactory(RuleSetFactory)
    phase = factory.SelfAttribute("rule_set.phase")
    program = factory.SelfAttribute("phase.program")
    initial_balance = factory.SelfAttribute("program.account_size")
    currency = factory.SelfAttribute("program.currency")
    started_at = T0


class TradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trade

    account = factory.SubFactory(TradingAccountFactory)
    ticket = factory.Sequence(lambda n: f"{100000 + n}")
    symbol = "EURUSD"
    side = "buy"
    volume = Decimal("1.00")
    open_time = T0 + dt.timedelta(hours=1)
    open_price = Decimal("1.08000")
    close_time = T0 + dt.timedelta(hours=2)
    close_price = Decimal("1.08100")
    profit = Decimal("100.00")


class EquitySnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EquitySnapshot

    account = factory.SubFactory(TradingAccountFactory)
    time = T0 + dt.timedelta(hours=1)
    balance = Decimal("100000.00")
    equity = Decimal("100000.00")


class BalanceOperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BalanceOperation

    account = factory.SubFactory(TradingAccountFactory)
    kind = "deposit"
    amount = Decimal("100.00")
    time = T0
    reason = "Test deposit"


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    actor_email = factory.SelfAttribute("actor.email")
    action = AuditAction.LOGIN_SUCCEEDED
    object_type = "accounts.user"
    object_id = factory.LazyAttribute(lambda event: str(event.actor.pk))
    summary = factory.LazyAttribute(lambda event: f"{event.actor_email} logged in")
    ip = "203.0.113.7"
