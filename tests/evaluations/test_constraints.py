"""The database refuses rows that must never exist, whatever code path writes them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from evaluations.models import Phase, PhaseKind, Program, Rule
from tests.factories import (
    T0,
    BalanceOperationFactory,
    EquitySnapshotFactory,
    PhaseFactory,
    ProgramFactory,
    RuleFactory,
    RuleSetFactory,
    TradeFactory,
    TraderProfileFactory,
    TradingAccountFactory,
)

pytestmark = pytest.mark.django_db


def refused(make, constraint: str):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        make()


def test_trade_volume_must_be_positive():
    refused(lambda: TradeFactory(volume=Decimal("0")), "trade_volume_positive")
    refused(lambda: TradeFactory(volume=Decimal("-1")), "trade_volume_positive")


def test_trade_cannot_close_before_it_opens():
    refused(
        lambda: TradeFactory(open_time=T0, close_time=T0 - dt.timedelta(seconds=1)),
        "trade_closes_after_open",
    )


def test_trade_closing_the_second_it_opens_is_allowed():
    trade = TradeFactory(open_time=T0, close_time=T0)
    assert trade.pk


def test_ticket_is_unique_per_account_but_not_across_accounts():
    first = TradeFactory(ticket="555")
    refused(lambda: TradeFactory(account=first.account, ticket="555"), "trade_ticket_unique")
    assert TradeFactory(ticket="555").account != first.account


def test_trade_net_is_profit_plus_costs_computed_by_the_database():
    trade = TradeFactory(
        profit=Decimal("250.00"),
        commission=Decimal("-7.00"),
        swap=Decimal("-1.25"),
        fees=Decimal("-0.50"),
    )
    trade.refresh_from_db()
    assert trade.net == Decimal("241.25")


@pytest.mark.parametrize(
    ("kind", "amount"),
    [("deposit", "-100.00"), ("withdrawal", "100.00"), ("adjustment", "0.00"), ("deposit", "0")],
)
def test_balance_operation_sign_must_match_its_kind(kind, amount):
    refused(
        lambda: BalanceOperationFactory(kind=kind, amount=Decimal(amount)),
        "balance_operation_sign_matches_kind",
    )


@pytest.mark.parametrize(
    ("kind", "amount"),
    [("deposit", "100.00"), ("withdrawal", "-100.00"), ("adjustment", "-3.10")],
)
def test_balance_operation_with_the_right_sign_is_stored(kind, amount):
    assert BalanceOperationFactory(kind=kind, amount=Decimal(amount)).pk


def test_balance_operation_reference_is_unique_per_account_when_set():
    op = BalanceOperationFactory(reference="PAYOUT-1")
    refused(
        lambda: BalanceOperationFactory(account=op.account, reference="PAYOUT-1"),
        "balance_operation_reference_unique",
    )
    # Blank references repeat freely.
    BalanceOperationFactory(account=op.account, reference="")
    BalanceOperationFactory(account=op.account, reference="")


def test_snapshot_time_is_unique_per_account():
    snap = EquitySnapshotFactory()
    refused(
        lambda: EquitySnapshotFactory(account=snap.account, time=snap.time),
        "snapshot_time_unique",
    )


def test_funded_phase_needs_a_split_and_a_payout_cycle():
    refused(
        lambda: PhaseFactory(kind=PhaseKind.FUNDED, profit_split=None, payout_cycle_days=14),
        "funded_phase_has_split_and_cycle",
    )
    refused(
        lambda: PhaseFactory(
            kind=PhaseKind.FUNDED, profit_split=Decimal("80"), payout_cycle_days=None
        ),
        "funded_phase_has_split_and_cycle",
    )


def test_funded_phase_without_split_fails_model_validation_with_a_clear_message():
    phase = Phase(program=ProgramFactory(), order=1, name="Funded", kind=PhaseKind.FUNDED)
    with pytest.raises(ValidationError, match="profit split and a payout cycle"):
        phase.full_clean()


def test_phase_order_is_unique_within_a_program():
    phase = PhaseFactory()
    refused(lambda: PhaseFactory(program=phase.program, order=1), "phase_order_unique")


def test_phase_reset_hour_and_time_zone_are_validated():
    phase = PhaseFactory.build(program=ProgramFactory(), reset_hour=24, reset_tz="Mars/Olympus")
    with pytest.raises(ValidationError) as exc:
        phase.full_clean()
    assert set(exc.value.message_dict) >= {"reset_hour", "reset_tz"}
    refused(lambda: PhaseFactory(reset_hour=24), "phase_reset_hour_0_23")


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"account_size": Decimal("0")}, "program_account_size_positive"),
        ({"price": Decimal("-1")}, "program_price_not_negative"),
        ({"currency": "usd"}, "program_currency_iso"),
    ],
)
def test_program_constraints(fields, constraint):
    refused(lambda: ProgramFactory(**fields), constraint)


def test_rule_set_version_is_unique_per_phase():
    rule_set = RuleSetFactory()
    refused(lambda: RuleSetFactory(phase=rule_set.phase, version=1), "ruleset_version_unique")


def test_a_rule_code_appears_once_per_rule_set():
    rule = RuleFactory()
    refused(lambda: RuleFactory(rule_set=rule.rule_set), "rule_code_once_per_set")


def test_account_initial_balance_must_be_positive():
    refused(
        lambda: TradingAccountFactory(initial_balance=Decimal("0")),
        "account_initial_balance_positive",
    )


def test_account_cannot_end_before_it_started():
    refused(
        lambda: TradingAccountFactory(ended_at=T0 - dt.timedelta(days=1)),
        "account_ends_after_start",
    )


def test_account_login_is_unique():
    account = TradingAccountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TradingAccountFactory(login=account.login)


def test_trader_country_must_be_an_iso_code():
    refused(lambda: TraderProfileFactory(country="de"), "trader_country_iso2")


def test_programs_and_rule_sets_in_use_cannot_be_deleted_from_under_an_account():
    account = TradingAccountFactory()
    RuleFactory(rule_set=account.rule_set)

    with pytest.raises(ProtectedError):
        Program.objects.filter(pk=account.program_id).delete()
    with pytest.raises(ProtectedError):
        account.rule_set.delete()
    assert Rule.objects.filter(rule_set=account.rule_set).count() == 1
