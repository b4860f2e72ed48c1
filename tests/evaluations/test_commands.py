"""The platform command outbox (evaluations.services.commands): issue once per decision, hand
out in order with a lease, hand out again when the lease runs out, acknowledge once."""

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
import redis
import time_machine
from django.db import transaction
from django.test import override_settings

from accounts.models import AuditAction, AuditEvent
from evaluations.account_names import account_named
from evaluations.models import CommandKind, PlatformCommand
from evaluations.services import commands
from evaluations.services.accounts import fail_account, open_account, reinstate_account
from tests.builders import rule_set_for
from tests.factories import (
    T0,
    AccountAliasFactory,
    BridgeFactory,
    PhaseFactory,
    ProgramFactory,
    TraderFactory,
    TradingAccountFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def bridge():
    return BridgeFactory(name="mt5-live")


@pytest.fixture
def account(bridge):
    return TradingAccountFactory(login="7100001", bridge=bridge)


def _disable(account, key="disable:1:max_daily_loss:2026-03-03"):
    return commands.issue(account, CommandKind.DISABLE, key=key, reason="Daily loss broken")


def test_issuing_twice_with_one_key_gives_one_command_and_one_audit_event(account):
    first = _disable(account)
    second = _disable(account)

    assert first.pk == second.pk
    assert PlatformCommand.objects.count() == 1
    assert (first.bridge.name, first.kind, first.status) == ("mt5-live", "disable", "issued")
    events = AuditEvent.objects.filter(action=AuditAction.PLATFORM_COMMAND)
    assert [e.summary for e in events] == [
        "Disable trading issued to mt5-live for account 7100001 by system (Daily loss broken)"
    ]


def test_an_account_no_bridge_runs_gets_no_command():
    account = TradingAccountFactory()

    assert _disable(account) is None
    assert not PlatformCommand.objects.exists()


def test_the_programs_bridge_runs_an_account_without_its_own(bridge):
    program = ProgramFactory(bridge=bridge)
    account = TradingAccountFactory(rule_set=rule_set_for(PhaseFactory(program=program)))

    assert _disable(account).bridge == bridge


def test_enforcement_policies_map_to_commands(account):
    def enforce(policy, key, until=None):
        return commands.enforce(
            account,
            enforcement=policy,
            violation_key=key,
            violation_id=None,
            reason="r",
            breach_ts=NOW,
            until=until,
        )

    assert enforce("flag", "a") is None
    assert enforce("notify", "b") is None
    assert enforce("disable", "c").key == f"disable:{account.pk}:c"
    assert enforce("close_and_disable", "d").kind == "close_and_disable"
    pause = enforce("pause_until_reset", "e", until=dt.datetime(2026, 3, 4, tzinfo=dt.UTC))
    assert (pause.kind, pause.payload) == ("pause", {"until": "2026-03-04T00:00:00Z"})
    with pytest.raises(ValueError, match="next daily reset"):
        enforce("pause_until_reset", "f")


def test_an_issued_command_is_published_and_wakes_its_bridge_after_commit(
    account, django_capture_on_commit_callbacks
):
    client = commands.events.redis_client()
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("live:events", f"live:{{b{account.bridge_id}}}:wake")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            command = _disable(account)
        received = {}
        for _ in range(20):
            message = pubsub.get_message(timeout=0.5)
            if message:
                received.setdefault(message["channel"].decode(), []).append(message["data"])
            if len(received) == 2:
                break
    finally:
        pubsub.close()

    events = [json.loads(m) for m in received["live:events"]]
    assert {
        "type": "command",
        "account_id": account.pk,
        "login": "7100001",
        "command_id": command.pk,
        "kind": "disable",
        "status": "issued",
    } in events
    assert received[f"live:{{b{account.bridge_id}}}:wake"] == [b"1"]


def test_redis_down_is_logged_and_the_command_still_stands(
    account, django_capture_on_commit_callbacks, caplog
):
    with (
        override_settings(REDIS_URL="redis://127.0.0.1:1/0"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        command = _disable(account)

    assert PlatformCommand.objects.get() == command
    assert "Redis is unreachable" in caplog.text


# --- handing out and acknowledging


def test_commands_are_handed_out_oldest_first_with_a_lease_and_an_attempt(account, bridge):
    other = TradingAccountFactory(login="7100002", bridge=bridge)
    first = _disable(account, key="k1")
    second = _disable(other, key="k2")

    with time_machine.travel(NOW, tick=False):
        claimed = commands.claim_for_bridge(bridge)

    assert [c.pk for c in claimed] == [first.pk, second.pk]
    first.refresh_from_db()
    assert (first.status, first.attempts) == ("delivered", 1)
    assert first.delivered_at == NOW
    assert first.lease_until == NOW + dt.timedelta(seconds=30)
    with time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False):
        assert commands.claim_for_bridge(bridge) == []  # leased: not handed out twice


def test_a_command_not_acknowledged_within_its_lease_is_handed_out_again(account, bridge):
    command = _disable(account)
    with time_machine.travel(NOW, tick=False):
        commands.claim_for_bridge(bridge)
    with time_machine.travel(NOW + dt.timedelta(seconds=29), tick=False):
        assert commands.claim_for_bridge(bridge) == []
    with time_machine.travel(NOW + dt.timedelta(seconds=31), tick=False):
        again = commands.claim_for_bridge(bridge)

    assert [c.pk for c in again] == [command.pk]
    command.refresh_from_db()
    assert command.attempts == 2


def test_a_later_command_waits_while_an_earlier_one_of_its_account_is_out(account, bridge):
    pause = _disable(account, key="first")
    with time_machine.travel(NOW, tick=False):
        assert commands.claim_for_bridge(bridge) == [pause]
    enable = commands.issue(account, CommandKind.ENABLE, key="second")
    other = _disable(TradingAccountFactory(bridge=bridge), key="third")

    with time_machine.travel(NOW + dt.timedelta(seconds=5), tick=False):
        assert commands.claim_for_bridge(bridge) == [other]  # not the enable: pause is out
        commands.acknowledge(bridge, pause.pk, ok=True, result={})
        assert commands.claim_for_bridge(bridge) == [enable]


@pytest.mark.django_db(transaction=True)
def test_a_command_being_handed_out_elsewhere_is_skipped_not_waited_for(account, bridge):
    first = _disable(account, key="first")
    second = _disable(TradingAccountFactory(bridge=bridge), key="second")
    locked, release = threading.Event(), threading.Event()

    def hold_first_row():
        with transaction.atomic():
            PlatformCommand.objects.select_for_update().get(pk=first.pk)
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold_first_row)
    holder.start()
    try:
        assert locked.wait(10)
        assert commands.claim_for_bridge(bridge) == [second]
    finally:
        release.set()
        holder.join()
    assert commands.claim_for_bridge(bridge) == [first]


def test_acknowledging_is_idempotent_and_refuses_the_other_outcome(account, bridge):
    command = _disable(account)
    commands.claim_for_bridge(bridge)

    with time_machine.travel(NOW, tick=False):
        done = commands.acknowledge(bridge, command.pk, ok=True, result={"closed": 2})
    again = commands.acknowledge(bridge, command.pk, ok=True, result={"other": 1})

    assert (done.status, done.done_at, done.result) == ("done", NOW, {"closed": 2})
    again.refresh_from_db()
    assert (again.done_at, again.result) == (NOW, {"closed": 2})
    with pytest.raises(commands.CommandConflict, match="already acknowledged as done"):
        commands.acknowledge(bridge, command.pk, ok=False, result={})


def test_a_failed_command_stores_the_bridges_error(account, bridge):
    command = _disable(account)
    commands.claim_for_bridge(bridge)

    failed = commands.acknowledge(bridge, command.pk, ok=False, result={"error": "no such login"})

    assert (failed.status, failed.result) == ("failed", {"error": "no such login"})


def test_another_bridges_command_is_not_found_and_an_unsent_one_cannot_be_acked(account):
    command = _disable(account)

    with pytest.raises(commands.CommandNotFound):
        commands.acknowledge(BridgeFactory(), command.pk, ok=True, result={})
    with pytest.raises(commands.CommandConflict, match="not handed out yet"):
        commands.acknowledge(account.bridge, command.pk, ok=True, result={})


def test_a_failed_command_can_be_issued_again_as_a_new_command(account, bridge):
    command = _disable(account)
    commands.claim_for_bridge(bridge)
    failed = commands.acknowledge(bridge, command.pk, ok=False, result={"error": "timeout"})

    again = commands.issue_again(failed, by=None)

    assert again.pk != command.pk
    assert (again.kind, again.status, again.account) == ("disable", "issued", account)
    assert commands.issue_again(failed, by=None) == again  # once per failed command


# --- the account lifecycle issues commands


@pytest.fixture
def bridged_program(bridge):
    program = ProgramFactory(slug="two-step-100k", bridge=bridge)
    rule_set_for(
        PhaseFactory(program=program, name="Phase 1"),
        [
            ("max_daily_loss", "hard", {"percent": "5"}),
            ("max_total_loss", "hard", {"percent": "10"}),
            ("profit_target", "soft", {"percent": "10"}),
        ],
    )
    return program


def test_opening_an_account_issues_create_account_to_the_programs_bridge(bridged_program):
    trader = TraderFactory(first_name="Ada", last_name="Lovelace", email="ada@traders.example")

    account = open_account(trader, bridged_program, login="7200001", notify=False)

    assert account.bridge == bridged_program.bridge
    command = PlatformCommand.objects.get(account=account)
    assert (command.kind, command.key) == ("create_account", f"create_account:{account.pk}")
    assert command.payload == {
        "login": "7200001",
        "currency": "USD",
        "initial_balance": "100000.00",
        "program": "two-step-100k",
        "phase": "Phase 1",
        "phase_kind": "evaluation",
        "trader": {"id": trader.pk, "name": "Ada Lovelace"},
        "rules": [
            {"code": "max_daily_loss", "severity": "hard", "params": {"percent": "5"}},
            {"code": "max_total_loss", "severity": "hard", "params": {"percent": "10"}},
        ],
    }
    assert "ada@traders.example" not in json.dumps(command.payload)


def test_the_login_the_platform_returns_replaces_ours_and_ours_stays_an_alias(
    bridged_program, bridge
):
    account = open_account(TraderFactory(), bridged_program, login="7200002", notify=False)
    command = commands.claim_for_bridge(bridge)[0]

    commands.acknowledge(bridge, command.pk, ok=True, result={"login": "5012345"})

    account.refresh_from_db()
    assert account.login == "5012345"
    assert account_named("7200002") == account  # files naming the old login still route
    assert AuditEvent.objects.filter(
        summary="Account 7200002 is 5012345 on the platform: login changed, 7200002 kept as alias"
    ).exists()


def test_a_returned_login_that_names_another_account_is_not_taken(bridged_program, bridge):
    AccountAliasFactory(name="5012345")
    account = open_account(TraderFactory(), bridged_program, login="7200003", notify=False)
    command = commands.claim_for_bridge(bridge)[0]

    commands.acknowledge(bridge, command.pk, ok=True, result={"login": "5012345"})

    account.refresh_from_db()
    assert (account.login, account.needs_review) == ("7200003", True)


def test_each_reinstatement_issues_its_own_enable(account):
    risk = staff_user("risk")
    for n in (1, 2):
        fail_account(account, at=T0, reason=f"Failure {n}")
        account = reinstate_account(account, by=risk, reason=f"Bad data {n}")

    enables = PlatformCommand.objects.filter(account=account, kind="enable").order_by("id")
    assert [c.reason for c in enables] == ["Bad data 1", "Bad data 2"]
    assert len({c.key for c in enables}) == 2


# --- pauses end at the reset


def _pause(account, until: dt.datetime, key: str = "max_daily_loss:2026-03-03"):
    return commands.enforce(
        account,
        enforcement="pause_until_reset",
        violation_key=key,
        violation_id=None,
        reason="Daily loss broken",
        breach_ts=NOW,
        until=until,
    )


def test_a_pause_is_released_at_the_reset_once(account):
    reset = dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
    with time_machine.travel(NOW, tick=False):
        pause = _pause(account, reset)
        assert commands.release_pauses() == []
    with time_machine.travel(reset + dt.timedelta(seconds=30), tick=False):
        released = commands.release_pauses()
        assert commands.release_pauses() == []

    assert [(c.kind, c.key) for c in released] == [
        ("enable", f"enable:{account.pk}:after:{pause.pk}")
    ]


def test_a_pause_is_not_released_for_an_account_failed_or_disabled_meanwhile(account, bridge):
    reset = dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
    disabled = TradingAccountFactory(bridge=bridge)
    with time_machine.travel(NOW, tick=False):
        _pause(account, reset)
        _pause(disabled, reset)
        _disable(disabled, key="after the pause")
    fail_account(account, at=NOW, reason="Total loss broken")

    with time_machine.travel(reset + dt.timedelta(minutes=1), tick=False):
        assert commands.release_pauses() == []


def test_release_pauses_task_is_scheduled_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="evaluations.tasks.release_pauses")
    assert (task.crontab.minute, task.crontab.hour, task.enabled) == ("*", "*", True)


def test_a_redis_client_is_none_without_redis_url():
    with override_settings(REDIS_URL=""):
        assert commands.events.redis_client() is None
        assert commands.events.publish({"type": "command"}) is False
    assert isinstance(commands.events.redis_client(), redis.Redis)


def test_money_in_a_payload_is_a_decimal_string(bridged_program):
    account = open_account(
        TraderFactory(), bridged_program, notify=False, initial_balance=Decimal("50000.50")
    )
    assert PlatformCommand.objects.get(account=account).payload["initial_balance"] == "50000.50"


def test_a_program_spec_sets_a_rules_enforcement_and_refuses_an_unknown_one():
    import yaml

    from evaluations.program_spec import SpecError, parse_program_spec

    text = """
name: Live 50k
slug: live-50k
account_size: 50000
price: 300
phases:
  - name: Phase 1
    kind: evaluation
    rules:
      - code: max_daily_loss
        params: {percent: 5}
        enforcement: disable
"""
    spec = parse_program_spec(yaml.safe_load(text))
    assert spec.phases[0].rules[0].enforcement == "disable"
    with pytest.raises(SpecError) as refused:
        parse_program_spec(yaml.safe_load(text.replace("disable", "explode")))
    assert "phases[0].rules[0].enforcement" in str(refused.value)
    assert "'explode' is not a policy" in str(refused.value)
