"""`replay_rules` replays the per-account rules of issue 16 with the same engine as the
recompute: a stored max-loss-per-trade failure is reproduced, and a looser candidate lifts it."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from evaluations.models import AccountStatus
from risk.services.evaluation import evaluate_account
from tests.factories import T0

from .builders import account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db
PER_TRADE_1 = ("max_loss_per_trade", "hard", {"percent": "1"})


def replay(candidate) -> dict:
    out = StringIO()
    call_command(
        "replay_rules",
        "--program",
        "Replay new rules",
        "--ruleset",
        str(candidate),
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


@pytest.fixture
def failed_on_one_trade():
    program = two_phase_program([PER_TRADE_1], name="Replay new rules")
    account = account_in(program, login="7400001")
    loser = trade(account, "-1000.01", hours=2)
    evaluate_account(account.pk, as_of=T0 + dt.timedelta(days=1))
    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    assert list(account.violations.values_list("key", flat=True)) == [
        f"max_loss_per_trade:trade:{loser.id}"
    ]
    return account


def test_replay_of_the_same_rules_reproduces_the_stored_violation(tmp_path, failed_on_one_trade):
    same = tmp_path / "same.yaml"
    same.write_text("- {code: max_loss_per_trade, severity: hard, params: {percent: 1}}\n")

    report = replay(same)

    assert report["accounts"] == 1 and report["unchanged"] == 1
    assert report["would_not_fail"] == [] and report["would_fail"] == {}


def test_replay_with_a_looser_per_trade_limit_lifts_the_failure(tmp_path, failed_on_one_trade):
    loose = tmp_path / "loose.yaml"
    loose.write_text("- {code: max_loss_per_trade, severity: hard, params: {amount: 1000.01}}\n")

    assert replay(loose)["would_not_fail"] == ["7400001"]


def test_replay_of_a_new_rule_over_an_account_without_it_would_fail_it(tmp_path):
    program = two_phase_program(
        [("profit_target", "soft", {"percent": "10"})], name="Replay new rules"
    )
    account = account_in(program, login="7400002")
    trade(account, "-1000.01", hours=2)
    evaluate_account(account.pk, as_of=T0 + dt.timedelta(days=1))
    candidate = tmp_path / "per-trade.yaml"
    candidate.write_text("- {code: max_loss_per_trade, severity: hard, params: {percent: 1}}\n")

    assert replay(candidate)["would_fail"] == {"max_loss_per_trade": ["7400002"]}
