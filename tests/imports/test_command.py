"""`manage.py import_trades`: the command line way in."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from evaluations.models import ImportBatch, Trade


def test_import_trades_command_imports_and_reports(account, fixture_path):
    out = StringIO()

    call_command(
        "import_trades",
        str(fixture_path("tradovate_performance.csv")),
        "--account",
        account.login,
        "--tz",
        "America/Chicago",
        stdout=out,
    )

    assert "43 new" in out.getvalue()
    assert Trade.objects.count() == 43
    batch = ImportBatch.objects.get()
    assert (batch.source, batch.broker_tz) == ("cli", "America/Chicago")


def test_multi_account_canonical_file_needs_no_account(two_accounts, fixture_path):
    out = StringIO()

    call_command("import_trades", str(fixture_path("canonical_trades.csv")), stdout=out)

    assert "3 new" in out.getvalue()


def test_a_rejected_file_fails_the_command_and_lists_the_errors(account, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
        "1,EURUSD,buy,1,2026-03-02T08:00:00Z,1,2026-03-02T09:00:00Z,1,x\n"
    )
    out = StringIO()

    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_trades", str(path), "--account", account.login, stdout=out)

    assert "line 2, column profit: not a number" in out.getvalue()


def test_partial_flag_commits_good_rows(account, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
        "1,EURUSD,buy,1,2026-03-02T08:00:00Z,1,2026-03-02T09:00:00Z,1,x\n"
        "2,EURUSD,buy,1,2026-03-02T08:00:00Z,1,2026-03-02T09:00:00Z,1,5\n"
    )

    call_command(
        "import_trades", str(path), "--account", account.login, "--partial", stdout=StringIO()
    )

    assert list(Trade.objects.values_list("ticket", flat=True)) == ["2"]


def test_unknown_account_and_missing_file_are_errors(account):
    with pytest.raises(CommandError, match="unknown account"):
        call_command("import_trades", "x.csv", "--account", "nope")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_trades", "/nonexistent/x.csv", "--account", account.login)
