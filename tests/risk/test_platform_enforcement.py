"""What the risk engine's decisions tell the trading platform: a failure closes and disables the
account (or what the rule's enforcement says), in the failure's own transaction; a daily-loss
pause pauses it until the reset; soft rules act only when their enforcement says so."""

import datetime as dt

import pytest
import time_machine

from evaluations.models import AccountStatus, PlatformCommand, Rule
from evaluations.services import commands
from evaluations.services.accounts import reinstate_account
from risk.services import evaluation
from tests.builders import evaluate
from tests.factories import T0, BridgeFactory, staff_user
from tests.risk.builders import DAILY_5, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db
PAUSE = ("max_daily_loss", "hard", {"percent": "5", "on_breach": "pause_until_reset"})


def _bridged_account(rules, login="8900001"):
    program = two_phase_program(rules)
    program.bridge = BridgeFactory()
    program.save()
    return account_in(program, login=login, bridge=program.bridge)


def test_a_failure_by_recompute_issues_exactly_one_close_and_disable():
    account = _bridged_account([DAILY_5])
    trade(account, "-5500.00", hours=2)

    evaluate(account)
    evaluate(account)  # a second recompute decides nothing new

    assert account.status == AccountStatus.FAILED
    failing = account.violations.get(failed_account=True)
    command = PlatformCommand.objects.get(account=account)
    assert (command.kind, command.violation_id) == ("close_and_disable", failing.pk)
    assert command.breach_ts == failing.time
    assert command.reason.startswith("Failed: ")


def test_the_failure_and_its_command_commit_together_or_not_at_all(monkeypatch):
    account = _bridged_account([DAILY_5])
    trade(account, "-5500.00", hours=2)

    def broken(_ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(evaluation.failures, "resolve_failures", broken)
    report = evaluation.evaluate_account(account.pk, notify=False)

    account.refresh_from_db()
    assert report.errored == [account.pk]
    assert account.status == AccountStatus.ACTIVE
    assert not PlatformCommand.objects.exists()


def test_a_hard_rule_whose_enforcement_is_flag_fails_without_a_command():
    account = _bridged_account([DAILY_5])
    Rule.objects.filter(rule_set=account.rule_set).update(enforcement="flag")
    trade(account, "-5500.00", hours=2)

    evaluate(account)

    assert account.status == AccountStatus.FAILED
    assert not PlatformCommand.objects.exists()


def test_failed_again_after_a_reinstatement_is_disabled_again():
    account = _bridged_account([DAILY_5])
    trade(account, "-5500.00", hours=2)
    evaluate(account)
    reinstate_account(account, by=staff_user("risk"), reason="Checking the data")

    evaluate(account)  # the same breach still counts: failed again

    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    kinds = list(PlatformCommand.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["close_and_disable", "enable", "close_and_disable"]


def test_a_daily_loss_pause_pauses_until_the_reset_and_the_reset_enables():
    account = _bridged_account([PAUSE])
    trade(account, "-5000.01", hours=2)

    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        evaluate(account, as_of=T0 + dt.timedelta(hours=3))
        assert commands.release_pauses() == []

    assert account.status == AccountStatus.ACTIVE
    pause = PlatformCommand.objects.get(account=account)
    assert (pause.kind, pause.payload) == ("pause", {"until": "2026-03-03T00:00:00Z"})
    with time_machine.travel(dt.datetime(2026, 3, 3, 0, 1, tzinfo=dt.UTC), tick=False):
        released = commands.release_pauses()
    assert [c.kind for c in released] == ["enable"]


def test_a_pause_found_after_its_reset_issues_nothing():
    account = _bridged_account([PAUSE])
    trade(account, "-5000.01", hours=2)

    evaluate(account)  # now is long after that day's reset

    assert account.violations.get().severity == "soft"
    assert not PlatformCommand.objects.exists()


def test_a_soft_rule_disables_only_when_its_enforcement_says_so():
    flagged = _bridged_account([("weekend_holding", "soft", {})], login="8900002")
    disabled = _bridged_account([("weekend_holding", "soft", {})], login="8900003")
    Rule.objects.filter(rule_set=disabled.rule_set).update(enforcement="disable")
    for account in (flagged, disabled):
        trade(account, "100.00", hours=7 * 24 + 1, duration=3 * 24)  # Friday to Monday

    evaluate(flagged, disabled)

    assert flagged.violations.get().severity == "soft"
    assert not PlatformCommand.objects.filter(account=flagged).exists()
    command = PlatformCommand.objects.get(account=disabled)
    assert (command.kind, command.violation_id) == ("disable", disabled.violations.get().pk)
    assert disabled.status == AccountStatus.ACTIVE
