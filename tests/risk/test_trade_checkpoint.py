"""The incremental checkpoint gives the engine exactly what a full read would, whatever happened
to the stored trades in between."""

from decimal import Decimal

import pytest

from evaluations.models import Trade
from risk.models import AccountMetrics
from risk.services import trade_checkpoint
from risk.services.evaluation import evaluate_account
from risk.services.loading import load_account

from .builders import DAILY_5, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    trade_checkpoint.clear()
    account = account_in(two_phase_program([DAILY_5]))
    for n in range(30):
        trade(account, f"{n}.00", hours=2 + n)
    load_account(account.pk)  # fills the checkpoint
    return account


def _trades_via_checkpoint(account):
    return load_account(account.pk)[1].trades


def _trades_read_in_full(account):
    trade_checkpoint.clear()
    return load_account(account.pk)[1].trades


def test_new_trades_are_added_to_the_checkpoint(account):
    trade(account, "7.00", hours=100)
    trade(account, "8.00", hours=1.5)  # closes before older trades: order is by close time

    via_checkpoint = _trades_via_checkpoint(account)

    assert via_checkpoint == _trades_read_in_full(account)
    assert len(via_checkpoint) == 32


def test_an_updated_old_trade_is_read_again(account):
    old = Trade.objects.filter(account=account).order_by("id")[3]
    old.profit = Decimal("-9999.99")
    old.save()

    via_checkpoint = _trades_via_checkpoint(account)

    assert via_checkpoint == _trades_read_in_full(account)
    assert any(t.net == -999999 for t in via_checkpoint)


def test_a_deleted_old_trade_disappears(account):
    Trade.objects.filter(account=account).order_by("id").first().delete()
    trade(account, "1.00", hours=200)  # same count as before, one newer id

    via_checkpoint = _trades_via_checkpoint(account)

    assert via_checkpoint == _trades_read_in_full(account)
    assert len(via_checkpoint) == 30


def test_evaluation_with_the_checkpoint_saves_the_same_metrics(account):
    trade(account, "-6000.00", hours=300)
    evaluate_account(account.pk)
    with_checkpoint = AccountMetrics.objects.filter(account=account).values().get()

    trade_checkpoint.clear()
    evaluate_account(account.pk)
    without = AccountMetrics.objects.filter(account=account).values().get()

    for volatile in ("computed_at", "evaluated_as_of"):
        with_checkpoint.pop(volatile), without.pop(volatile)
    assert with_checkpoint == without
