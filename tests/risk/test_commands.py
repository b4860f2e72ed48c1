"""The risk management commands: account_summary, recompute_metrics, replay_rules."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from evaluations.models import AccountStatus, TradingAccount
from risk.models import AccountMetrics, DailyMetrics, Violation
from risk.services.evaluation import evaluate_account
from tests.factories import T0

from .builders import DAILY_5, TARGET_10, account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db
AS_OF = T0 + dt.timedelta(days=2)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_account_summary_json_gives_status_money_objectives_and_violations():
    account = account_in(two_phase_program([DAILY_5, TARGET_10]), login="8800123")
    trade(account, "1500.25", hours=2)
    trade(account, "-6600.50", hours=4)
    evaluate_account(account.pk, as_of=AS_OF)

    summary = json.loads(run("account_summary", "8800123", "--json"))

    assert summary["login"] == "8800123"
    assert summary["status"] == "failed"
    assert summary["balance"] == "94899.75"
    assert summary["equity"] == "94899.75"
    assert summary["net_profit"] == "-5100.25"
    assert summary["trades"] == 2
    assert summary["trading_days"] == 1
    assert summary["max_drawdown"] == "6600.50"
    target = summary["objectives"]["profit_target"]
    assert target["met"] is False
    assert target["target"] == "10000.00"
    assert target["unit"] == "money"
    (violation,) = summary["violations"]
    assert violation["rule"] == "max_daily_loss"
    assert violation["severity"] == "hard"
    assert violation["time"] == "2026-03-02T12:00:00Z"
    assert violation["threshold"] == "95000.00"
    assert violation["observed"] == "94899.75"
    assert violation["unit"] == "money"
    assert "95,000.00" in violation["message"]


def test_account_summary_json_has_exactly_the_documented_fields():
    account = account_in(two_phase_program([DAILY_5, TARGET_10]), login="8800124")
    trade(account, "-6600.50", hours=4)
    evaluate_account(account.pk, as_of=AS_OF)

    summary = json.loads(run("account_summary", "8800124", "--json"))

    # docs/account-summary.md, "JSON fields": scripts rely on these names.
    assert set(summary) == {
        "login", "status", "currency", "balance", "equity", "net_profit", "max_drawdown",
        "trades", "trading_days", "basis", "computed_at", "objectives", "violations",
    }  # fmt: skip
    assert set(summary["objectives"]["profit_target"]) == {
        "met", "current", "target", "unit", "detail",
    }  # fmt: skip
    (violation,) = summary["violations"]
    assert set(violation) == {
        "rule", "severity", "time", "threshold", "observed", "unit", "message", "status",
    }  # fmt: skip


def test_account_summary_table_is_readable():
    account = account_in(two_phase_program([DAILY_5, TARGET_10]), login="8800124")
    trade(account, "250.00")
    evaluate_account(account.pk, as_of=AS_OF)

    table = run("account_summary", "8800124")

    assert "Account 8800124  status: active" in table
    assert "100250.00 USD" in table
    assert "profit_target" in table and "not met" in table
    assert "(none)" in table  # no violations


def test_account_summary_of_an_unknown_login_is_an_error():
    with pytest.raises(CommandError, match="no trading account"):
        run("account_summary", "nope")


def test_recompute_metrics_for_one_account_and_all():
    program = two_phase_program([DAILY_5])
    first, second = account_in(program, login="9100001"), account_in(program, login="9100002")
    trade(first, "-5200.00")
    trade(second, "100.00")

    out = run("recompute_metrics", "--account", "9100001")
    assert "evaluated 1 account(s)" in out and "1 failed" in out
    assert not AccountMetrics.objects.filter(account=second).exists()

    out = run("recompute_metrics", "--all")
    assert "evaluated 2 account(s)" in out
    assert AccountMetrics.objects.filter(account=second).exists()

    with pytest.raises(CommandError):
        run("recompute_metrics")


def test_recompute_metrics_async_queues_the_task():
    account = account_in(two_phase_program([DAILY_5]), login="9100003")
    trade(account, "-5200.00")

    out = run("recompute_metrics", "--account", "9100003", "--async")

    assert out.startswith("queued task ")
    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED  # tasks run eagerly under test


def _history(tmp_path):
    program = two_phase_program([DAILY_5, TARGET_10], name="Replay 100k")
    lost_4_5 = account_in(program, login="7300001")  # loses 4.5% on day 1
    trade(lost_4_5, "-4500.00")
    lost_6 = account_in(program, login="7300002")  # failed under today's rules
    trade(lost_6, "-6000.00")
    made_9 = account_in(program, login="7300003")  # 9% profit: passes only at an 8% target
    trade(made_9, "9000.00")
    for account in (lost_4_5, lost_6, made_9):
        evaluate_account(account.pk, as_of=AS_OF, notify=False)
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(
        "phases:\n"
        "  Phase 1:\n"
        "    - {code: max_daily_loss, severity: hard, params: {percent: 4}}\n"
        "    - {code: profit_target, params: {percent: 8}}\n"
    )
    return program, candidate


def _database_state():
    return (
        sorted(TradingAccount.objects.values_list("pk", "status", "ended_at", "needs_review")),
        sorted(Violation.objects.values_list("pk", "key", "status", "notified_at")),
        sorted(AccountMetrics.objects.values_list("account_id", "balance", "computed_at")),
        sorted(DailyMetrics.objects.values_list("pk", "account_id", "day", "end_balance")),
    )


def test_replay_reports_how_outcomes_would_differ_and_writes_nothing(tmp_path):
    _, candidate = _history(tmp_path)
    before = _database_state()

    report = json.loads(
        run("replay_rules", "--program", "Replay 100k", "--ruleset", str(candidate), "--json")
    )

    assert _database_state() == before
    assert report["accounts"] == 3
    assert report["would_fail"] == {"max_daily_loss": ["7300001"]}
    assert report["would_pass"] == ["7300003"]
    assert report["would_not_fail"] == []
    assert report["unchanged"] == 1  # 7300002 fails either way


def test_replay_with_looser_rules_for_every_phase_lists_accounts_that_would_not_fail(tmp_path):
    _, _ = _history(tmp_path)
    loose = tmp_path / "loose.yaml"
    loose.write_text(
        "- {code: max_daily_loss, severity: hard, params: {percent: 8}}\n"
        "- {code: profit_target, params: {percent: 10}}\n"
    )

    out = run("replay_rules", "--program", "Replay 100k", "--ruleset", str(loose))

    assert "Would not fail (failed now): 1  7300002" in out
    assert "nothing written" in out


def test_replay_since_limits_the_accounts(tmp_path):
    _, candidate = _history(tmp_path)

    report = json.loads(
        run(
            "replay_rules",
            "--program",
            "Replay 100k",
            "--ruleset",
            str(candidate),
            "--since",
            "2026-04-01",
            "--json",
        )
    )

    assert report["accounts"] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {code: max_daily_loss, params: {percent: 150}}", "percent"),
        ("- {code: no_such_rule}", "unknown rule"),
        ("- {code: hedging, severity: hard}", "can only be soft"),
        ("phases:\n  Phase 9: []", "unknown phase"),
        ("{nope", "YAML"),
    ],
)
def test_replay_refuses_an_invalid_candidate(tmp_path, text, message):
    _history(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)

    with pytest.raises(CommandError, match=message):
        run("replay_rules", "--program", "Replay 100k", "--ruleset", str(bad))
