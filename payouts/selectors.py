"""Read paths for payouts: the ledger figures eligibility needs, and the querysets pages use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    DecimalField,
    Expression,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Floor, Greatest
from django.utils import timezone

from abuse import selectors as abuse_selectors
from accounts.models import TraderProfile
from evaluations.models import BalanceOperation, BalanceOperationKind, Trade, TradingAccount
from evaluations.rule_types import RuleCode, Severity
from risk.engine.days import day_calendar
from risk.engine.rules import objectives
from risk.models import Violation, ViolationStatus
from risk.services.money import from_cents, from_ts, to_cents, to_ts

from .eligibility import (
    ZERO,
    Check,
    Eligibility,
    PayoutFacts,
    payout_eligibility,
    review_check,
)
from .models import (
    OPEN_RUN_STATUSES,
    OPEN_STATUSES,
    PAY_PERMISSION,
    PayeeChange,
    PayeeChangeStatus,
    PaymentRun,
    PayoutRequest,
    PayoutStatus,
    is_finance_approver,
)
from .payee import cooling_off_until, last_change_at

MONEY_FIELD = DecimalField(max_digits=18, decimal_places=2)


@dataclass(frozen=True)
class PayeeSummary:
    """Where a trader is paid now, since when, and any change waiting for confirmation."""

    method: str
    method_label: str
    details: str
    changed_at: dt.datetime | None
    cooling_off_until: dt.datetime | None
    pending: PayeeChange | None

    @property
    def in_cooling_off(self) -> bool:
        return self.cooling_off_until is not None and timezone.now() < self.cooling_off_until


def payee_summary(user) -> PayeeSummary | None:
    """The trader's payout destination (None for someone without a trader profile)."""
    profile = TraderProfile.objects.filter(user_id=user.pk).first()
    if profile is None:
        return None
    changed_at = last_change_at(user.pk)
    return PayeeSummary(
        method=profile.payout_method,
        method_label=profile.get_payout_method_display(),
        details=profile.payout_details,
        changed_at=changed_at,
        cooling_off_until=cooling_off_until(changed_at),
        pending=PayeeChange.objects.filter(trader_id=user.pk, status=PayeeChangeStatus.PENDING)
        .order_by("-requested_at")
        .first(),
    )


def trader_share_expression(amount: Expression, split_percent: Expression) -> Func:
    """`eligibility.trader_share` as a database expression, for reports that sum shares over
    many accounts: ⌊max(amount, 0) × split / 100⌋ to the cent.

    The Python function is the definition; tests/payouts/test_split_rounding.py runs this
    expression on PostgreSQL for many (amount, split) pairs and compares it to the cent.
    """
    return Cast(Floor(Greatest(amount, Value(ZERO)) * split_percent) / 100, MONEY_FIELD)


def _sum_subquery(queryset: QuerySet, field: str) -> Coalesce:
    summed = (
        queryset.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(
        Subquery(summed, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD
    )


def account_balance(account_id: int) -> Decimal:
    """Closed balance from the ledger, in one database aggregate:
    balance = B0 + Σ trade net + Σ balance operations.

    The money side reads the ledger itself rather than cached metrics, so a payout can never be
    sized on figures older than the last import.
    """
    row = (
        TradingAccount.objects.filter(pk=account_id)
        .annotate(
            trades_net=_sum_subquery(Trade.objects.all(), "net"),
            operations=_sum_subquery(BalanceOperation.objects.counted(), "amount"),
        )
        .values("initial_balance", "trades_net", "operations")
        .get()
    )
    return row["initial_balance"] + row["trades_net"] + row["operations"]


def account_profit(account: TradingAccount) -> Decimal:
    """profit = balance − B0."""
    return account_balance(account.pk) - account.initial_balance


@dataclass(frozen=True)
class ProfitSinceStart:
    """How the account's profit since its start splits (PRODUCT.md §3):
    net_since_start = current_profit + paid_out − other_operations, where other_operations are
    counted deposits and adjustments (usually 0)."""

    net_since_start: Decimal  # Σ trade net since the account started
    paid_out: Decimal  # profit withdrawn by paid payouts (positive)
    other_operations: Decimal  # Σ counted deposits and adjustments
    current_profit: Decimal  # balance − B0


def profit_since_start(account: TradingAccount) -> ProfitSinceStart:
    """The trades' net, the withdrawals and the other counted balance operations, in one
    database aggregate; current profit = their sum (the same ledger `account_balance` reads)."""
    operations = BalanceOperation.objects.counted().filter(account_id=account.pk)
    withdrawals = operations.filter(kind=BalanceOperationKind.WITHDRAWAL)
    others = operations.exclude(kind=BalanceOperationKind.WITHDRAWAL)
    row = (
        TradingAccount.objects.filter(pk=account.pk)
        .annotate(
            trades_net=_sum_subquery(Trade.objects.all(), "net"),
            withdrawn=_sum_subquery(withdrawals, "amount"),
            other=_sum_subquery(others, "amount"),
        )
        .values("trades_net", "withdrawn", "other")
        .get()
    )
    return ProfitSinceStart(
        net_since_start=row["trades_net"],
        paid_out=-row["withdrawn"],
        other_operations=row["other"],
        current_profit=row["trades_net"] + row["withdrawn"] + row["other"],
    )


def payout_cycle_start(account: TradingAccount) -> dt.datetime:
    """When the current payout cycle began: the last withdrawal (every paid payout records
    one at its payment), else the account's start, by the engine's one definition
    (`risk.engine.rules.objectives.payout_cycle_start`)."""
    withdrawals = (
        BalanceOperation.objects.counted()
        .filter(account=account, kind=BalanceOperationKind.WITHDRAWAL)
        .values_list("time", flat=True)
    )
    return objectives.payout_cycle_start(account.started_at, withdrawals)


def cycle_daily_nets(account: TradingAccount, cycle_start: dt.datetime) -> tuple[Decimal, ...]:
    """Net per trading day (the phase's days, `risk.engine.days`) of the trades closed since
    `cycle_start`, grouped by the engine's own `day_nets_since`, oldest day first."""
    phase = account.phase
    since = to_ts(cycle_start)  # whole seconds, as the engine counts the cycle
    trades = Trade.objects.filter(account=account, close_time__gte=from_ts(since))
    rows = sorted(
        (to_ts(close), pk, net) for pk, close, net in trades.values_list("pk", "close_time", "net")
    )
    if not rows:
        return ()
    closes = [close for close, _, _ in rows]
    nets = [to_cents(net) for _, _, net in rows]
    starts, _ = day_calendar(phase.reset_tz, phase.reset_hour).span(closes[0], closes[-1])
    return tuple(from_cents(net) for net in objectives.day_nets_since(starts, closes, nets, since))


def payout_consistency_percent(account: TradingAccount) -> Decimal | None:
    """The consistency rule of the account's rule set that gates payouts, if any."""
    for rule in account.rule_set.rules.all():
        if rule.code == RuleCode.CONSISTENCY and rule.params.get("applies_to") == "payout":
            return Decimal(rule.params["percent"])
    return None


def open_hard_violation_codes(account: TradingAccount) -> tuple[str, ...]:
    return tuple(
        Violation.objects.filter(
            account=account, severity=Severity.HARD, status=ViolationStatus.OPEN
        )
        .values_list("rule_code", flat=True)
        .distinct()
    )


def has_open_request(account: TradingAccount) -> bool:
    return PayoutRequest.objects.filter(account=account, status__in=OPEN_STATUSES).exists()


def _kyc_status(account: TradingAccount) -> str | None:
    try:
        return account.trader.trader_profile.kyc_status
    except TraderProfile.DoesNotExist:
        return None


def payout_facts(account: TradingAccount, as_of: dt.datetime | None = None) -> PayoutFacts:
    """Gather what `payout_eligibility` decides on, from the database."""
    phase = account.phase
    cycle_start = payout_cycle_start(account)
    consistency = payout_consistency_percent(account)
    return PayoutFacts(
        as_of=as_of or timezone.now(),
        account_status=account.status,
        phase_kind=phase.kind,
        kyc_status=_kyc_status(account),
        cycle_start=cycle_start,
        cycle_days=phase.payout_cycle_days or 0,
        open_hard_violations=open_hard_violation_codes(account),
        profit=account_profit(account),
        min_payout=phase.min_payout,
        split_percent=phase.profit_split if phase.profit_split is not None else ZERO,
        has_open_request=has_open_request(account),
        consistency_percent=consistency,
        cycle_daily_nets=cycle_daily_nets(account, cycle_start) if consistency else (),
        tz=phase.reset_tz,
        open_abuse_cases=tuple(abuse_selectors.open_case_ids(account)),
        payouts_denied_by=tuple(abuse_selectors.payout_denying_case_ids(account)),
    )


def account_eligibility(account: TradingAccount, as_of: dt.datetime | None = None) -> Eligibility:
    return payout_eligibility(payout_facts(account, as_of))


def payout_recheck(payout: PayoutRequest) -> Eligibility | None:
    """Eligibility of an open request's account now, for finance deciding on it: the request's
    own openness is not held against it, and the profit must still cover the amount requested.
    None once the request is closed."""
    if not payout.is_open:
        return None
    facts = replace(payout_facts(payout.account), has_open_request=False)
    eligibility = payout_eligibility(facts)
    eligibility = replace(
        eligibility,
        checks=tuple(
            review_check(facts, staff=True) if c.code == "review" else c for c in eligibility.checks
        ),
    )
    covered = eligibility.profit >= payout.amount
    amount_check = Check(
        "amount",
        covered,
        f"profit {eligibility.profit:,.2f} covers the {payout.amount:,.2f} requested"
        if covered
        else f"profit {eligibility.profit:,.2f} is below the {payout.amount:,.2f} requested",
    )
    checks = tuple(c for c in eligibility.checks if c.code != "profit") + (amount_check,)
    return replace(eligibility, checks=checks)


def accounts_for_payout(trader) -> QuerySet[TradingAccount]:
    """The trader's funded-phase accounts, with what eligibility reads."""
    return (
        TradingAccount.objects.filter(trader=trader, phase__kind="funded")
        .select_related("phase", "program", "rule_set", "trader__trader_profile")
        .prefetch_related("rule_set__rules")
        .order_by("login")
    )


def account_for_payout(trader, login: str) -> TradingAccount:
    """One of the trader's funded accounts by login (DoesNotExist for anyone else's)."""
    return accounts_for_payout(trader).get(login=login)


def payouts_with_people() -> QuerySet[PayoutRequest]:
    return PayoutRequest.objects.select_related(
        "account",
        "account__program",
        "account__trader",
        "requested_by",
        "first_approved_by",
        "approved_by",
        "decided_by",
        "paid_by",
    )


def payouts_of_trader(trader) -> QuerySet[PayoutRequest]:
    return payouts_with_people().filter(account__trader=trader)


def payout_for_viewer(user, payout_id: int) -> PayoutRequest:
    """A payout the user may see: their own account's, or any for staff with the view
    permission. Raises PayoutRequest.DoesNotExist otherwise (the view answers 404)."""
    queryset = (
        payouts_with_people()
        .select_related("account__trader__trader_profile", "account__phase", "payment_run")
        .prefetch_related("transitions__by")
    )
    if not user.has_perm("payouts.view_payoutrequest"):
        queryset = queryset.filter(account__trader=user)
    return queryset.get(pk=payout_id)


def payout_queue(status: str | None = None) -> QuerySet[PayoutRequest]:
    """The finance queue: open requests oldest first, or one status."""
    queryset = payouts_with_people().select_related("account__trader__trader_profile")
    if status:
        return queryset.filter(status=status).order_by("requested_at", "id")
    return queryset.filter(status__in=OPEN_STATUSES).order_by("requested_at", "id")


def payouts_ready_for_run() -> QuerySet[PayoutRequest]:
    """Approved payouts in no open payment run, oldest approval first."""
    return (
        payouts_with_people()
        .filter(status=PayoutStatus.APPROVED)
        .exclude(payment_run__status__in=OPEN_RUN_STATUSES)
        .order_by("currency", "approved_at", "id")
    )


def payment_runs() -> QuerySet[PaymentRun]:
    return PaymentRun.objects.select_related("created_by", "paid_by")


def paid_payouts(
    paid_from: dt.datetime | None = None, paid_to: dt.datetime | None = None
) -> QuerySet[PayoutRequest]:
    """Paid requests for the payment-run export, oldest payment first."""
    queryset = payouts_with_people().select_related("account__trader__trader_profile")
    queryset = queryset.filter(status=PayoutStatus.PAID)
    if paid_from:
        queryset = queryset.filter(paid_at__gte=paid_from)
    if paid_to:
        queryset = queryset.filter(paid_at__lt=paid_to)
    return queryset.order_by("paid_at", "id")


def allowed_actions(payout: PayoutRequest, user) -> frozenset[str]:
    """The buttons a user sees on a request (the services decide again when one is pressed)."""
    actions = set()
    is_requester = user.pk == payout.requested_by_id
    if is_requester and payout.status == PayoutStatus.REQUESTED:
        actions.add("cancel")
    if is_finance_approver(user) and payout.is_open:
        actions.add("reject")
        if (
            payout.status == PayoutStatus.REQUESTED
            and not is_requester
            and user.pk != payout.first_approved_by_id
        ):
            actions.add("approve")
    approved_it = user.pk in (payout.approved_by_id, payout.first_approved_by_id)
    if (
        is_finance_approver(user, PAY_PERMISSION)
        and payout.status == PayoutStatus.APPROVED
        and not is_requester
        and (settings.PAYOUT_APPROVER_MAY_PAY or not approved_it)
    ):
        actions.add("pay")
    return frozenset(actions)
