"""factory-boy factories for every model of the suite. Money as Decimal strings, times aware UTC.

Rows the risk engine stores (`AccountMetrics`, `DailyMetrics`, `Violation`) have factories for
the few tests that need a row the engine cannot produce (an admin page, a constraint); a test
that needs what the engine would store builds trades and runs the engine
(`tests.builders.evaluate`)."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from abuse.models import Case, CaseComment, Finding
from accounts.models import (
    AuditAction,
    AuditEvent,
    KycStatus,
    LoginRecord,
    RoleGrantRequest,
    TraderProfile,
    User,
)
from evaluations.models import (
    AccountAlias,
    AccountStatus,
    BalanceOperation,
    Bridge,
    Certificate,
    CertificateKind,
    EquitySnapshot,
    ImportBatch,
    ImportSource,
    ImportStatus,
    Phase,
    PhaseKind,
    PlatformCommand,
    Program,
    Rule,
    RuleSet,
    Trade,
    TradingAccount,
)
from imports.models import TradeClientIp
from payouts.models import (
    PayeeChange,
    PaymentRun,
    PayoutAction,
    PayoutRequest,
    PayoutStatus,
    PayoutTransition,
)
from reports.models import DailyReport
from risk.models import AccountMetrics, DailyMetrics, EconomicEvent, EvaluationFailure, Violation

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

    class Params:
        # A funded account (80% split, 14-day payout cycle) in its own funded phase.
        funded = factory.Trait(
            rule_set=factory.SubFactory(
                RuleSetFactory, phase=factory.SubFactory(FundedPhaseFactory)
            ),
            status=AccountStatus.FUNDED,
        )


class BridgeFactory(factory.django.DjangoModelFactory):
    """A platform bridge with its API user (`manage.py create_bridge` makes real ones)."""

    class Meta:
        model = Bridge

    name = factory.Sequence(lambda n: f"mt5-bridge-{n}")
    user = factory.SubFactory(
        UserFactory, email=factory.Sequence(lambda n: f"bridge-{n}@bridges.propdesk.invalid")
    )
    platform = "mt5"


class PlatformCommandFactory(factory.django.DjangoModelFactory):
    """An issued `disable` for an account its bridge runs."""

    class Meta:
        model = PlatformCommand

    bridge = factory.SubFactory(BridgeFactory)
    account = factory.SubFactory(TradingAccountFactory, bridge=factory.SelfAttribute("..bridge"))
    kind = "disable"
    key = factory.Sequence(lambda n: f"disable:test:{n}")
    reason = "Max daily loss broken"


class AccountAliasFactory(factory.django.DjangoModelFactory):
    """A platform's name for an account (a Topstep-style long name by default)."""

    class Meta:
        model = AccountAlias

    account = factory.SubFactory(TradingAccountFactory)
    name = factory.Sequence(lambda n: f"EXPRESS{n:011d}!TopstepTrader!TopstepTrader")
    platform = "Tradovate"


class CertificateFactory(factory.django.DjangoModelFactory):
    """A phase-passed certificate of an account (payouts: kind="payout" with an amount)."""

    class Meta:
        model = Certificate

    kind = CertificateKind.PHASE_PASSED
    account = factory.SubFactory(TradingAccountFactory)
    event_key = factory.Sequence(lambda n: f"pass:factory-{n}")
    trader_name = "Jane D."
    program_name = factory.SelfAttribute("account.program.name")
    phase_name = factory.SelfAttribute("account.phase.name")
    currency = factory.SelfAttribute("account.currency")
    issued_on = dt.date(2026, 3, 6)


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
    status = "approved"


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


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    source = ImportSource.API
    format = "json"
    status = ImportStatus.COMMITTED
    account = factory.SubFactory(TradingAccountFactory)
    created_by = factory.SubFactory(UserFactory)


class ViolationFactory(factory.django.DjangoModelFactory):
    """A stored violation. Prefer trades that breach and an engine run (tests.builders.evaluate);
    use this only for a row the engine cannot produce, and say why where you do."""

    class Meta:
        model = Violation

    account = factory.SubFactory(TradingAccountFactory)
    rule_set = factory.SelfAttribute("account.rule_set")
    rule_code = "max_daily_loss"
    severity = "hard"
    key = factory.Sequence(lambda n: f"max_daily_loss:test-{n}")
    threshold = Decimal("95000.00")
    observed = Decimal("94000.00")
    unit = "money"
    time = T0 + dt.timedelta(days=1)
    day = factory.LazyAttribute(lambda v: v.time.date())
    message = "Equity fell below the daily floor"


class EvaluationFailureFactory(factory.django.DjangoModelFactory):
    """An account the engine could not evaluate. Prefer data that fails (an overflowing trade,
    tests/risk/test_evaluation_isolation.py) and an engine run."""

    class Meta:
        model = EvaluationFailure

    account = factory.SubFactory(TradingAccountFactory)
    error_type = "DataError"
    message = "numeric field overflow"
    first_failed_at = T0 + dt.timedelta(days=1)
    last_failed_at = T0 + dt.timedelta(days=1)


class AccountMetricsFactory(factory.django.DjangoModelFactory):
    """Stored metrics of an untouched account (balance = equity = B0). Prefer an engine run."""

    class Meta:
        model = AccountMetrics

    account = factory.SubFactory(TradingAccountFactory)
    basis = "closed_trades"
    balance = factory.SelfAttribute("account.initial_balance")
    equity = factory.SelfAttribute("balance")
    hwm = factory.SelfAttribute("balance")
    net_profit = factory.LazyAttribute(lambda m: m.balance - m.account.initial_balance)
    max_drawdown = Decimal("0")
    evaluated_as_of = factory.LazyFunction(timezone.now)
    computed_at = factory.SelfAttribute("evaluated_as_of")


class DailyMetricsFactory(factory.django.DjangoModelFactory):
    """One stored trading day without trades at B0. Prefer an engine run."""

    class Meta:
        model = DailyMetrics

    account = factory.SubFactory(TradingAccountFactory)
    day = T0.date()
    start_balance = factory.SelfAttribute("account.initial_balance")
    start_equity = factory.SelfAttribute("start_balance")
    end_balance = factory.SelfAttribute("start_balance")
    end_equity = factory.SelfAttribute("start_balance")
    reference = factory.SelfAttribute("start_balance")
    min_equity = factory.SelfAttribute("start_balance")
    net = Decimal("0")


class EconomicEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EconomicEvent

    time = T0
    currency = "USD"
    impact = "high"
    title = factory.Sequence(lambda n: f"Non-farm payrolls #{n}")


class PayoutRequestFactory(factory.django.DjangoModelFactory):
    """A requested payout as stored; prefer `payouts.services.request_payout` where the test
    is about the request itself."""

    class Meta:
        model = PayoutRequest

    account = factory.SubFactory(TradingAccountFactory, funded=True)
    requested_by = factory.SelfAttribute("account.trader")
    currency = factory.SelfAttribute("account.currency")
    eligible_amount = Decimal("2500.00")
    amount = factory.SelfAttribute("eligible_amount")
    split_percent = Decimal("80.00")
    trader_share = factory.LazyAttribute(lambda p: p.amount * p.split_percent / 100)
    cycle_start = factory.SelfAttribute("account.started_at")
    requested_at = T0 + dt.timedelta(days=20)


class PaymentRunFactory(factory.django.DjangoModelFactory):
    """A draft payment run as stored (no payouts); prefer
    `payouts.payment_runs.create_payment_run` where the test is about the run itself."""

    class Meta:
        model = PaymentRun

    currency = "EUR"
    message_id = factory.Sequence(lambda n: f"PD-TEST-{n:06d}")
    total = Decimal("2000.00")
    payout_count = 1
    created_by = factory.SubFactory(UserFactory)


class RoleGrantRequestFactory(factory.django.DjangoModelFactory):
    """A grant of finance waiting for a second admin; prefer
    `accounts.services.change_privileges` where the test is about the grant itself."""

    class Meta:
        model = RoleGrantRequest

    user = factory.SubFactory(UserFactory)
    role = "finance"
    requested_by = factory.SubFactory(UserFactory, roles=["admins"])


class PayeeChangeFactory(factory.django.DjangoModelFactory):
    """A trader's payee change waiting for confirmation, as stored; prefer
    `payouts.payee.request_trader_change` where the test is about the change itself."""

    class Meta:
        model = PayeeChange

    trader = factory.SubFactory(TraderFactory)
    source = "trader"
    payout_method = "wise"
    payout_details = factory.LazyAttribute(lambda c: f"Wise {c.trader.email}")
    requested_by = factory.SelfAttribute("trader")


class PayoutTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayoutTransition

    payout = factory.SubFactory(PayoutRequestFactory)
    action = PayoutAction.REQUESTED
    to_status = PayoutStatus.REQUESTED
    by = factory.SelfAttribute("payout.requested_by")


class DailyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyReport
        django_get_or_create = ("day",)

    day = T0.date()


class LoginRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoginRecord

    user = factory.SubFactory(TraderFactory)
    ip = "203.0.113.7"
    user_agent = "Mozilla/5.0 (X11; Linux x86_64)"
    device_id = factory.Sequence(lambda n: f"{n:032x}")


class TradeClientIpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TradeClientIp

    account = factory.SubFactory(TradingAccountFactory)
    ticket = factory.Sequence(lambda n: f"T{n}")
    ip = "198.51.100.9"


class CaseFactory(factory.django.DjangoModelFactory):
    """An open abuse case; pass `accounts=[...]` to name accounts (and their traders)."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    score = 0.8
    drivers = factory.LazyFunction(
        lambda: [{"detector": "copy_trading", "score": 0.8, "findings": 1, "share": 1.0}]
    )

    @factory.post_generation
    def accounts(self, create, extracted, **kwargs):
        for account in extracted or ():
            self.accounts.add(account)
            self.traders.add(account.trader)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    case = factory.SubFactory(CaseFactory)
    detector = "copy_trading"
    key = factory.Sequence(lambda n: f"copy_trading:test:{n}")
    score = 0.8
    summary = "12 trades opened together"
    trader_ids = factory.LazyFunction(list)
    account_ids = factory.LazyFunction(list)


class CaseCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseComment

    case = factory.SubFactory(CaseFactory)
    author = factory.LazyFunction(lambda: staff_user("risk"))
    text = "Looking into it."
