"""Issue 14 case 10 for files of several accounts: without a zone chosen for the import, each
row's times are read in the server zone of the account it names (login or alias), the batch
states the zones used, and each account read as UTC for want of a zone is named once."""

import datetime as dt

from evaluations.models import AccountAlias, Trade
from imports.service import import_file, report_text
from tests.factories import TradingAccountFactory

UTC = dt.UTC
TOPSTEP = "EXPRESSApr3013436618!TopstepTrader!TopstepTrader"


def _opened(login: str) -> set[dt.datetime]:
    return set(Trade.objects.filter(account__login=login).values_list("open_time", flat=True))


def test_each_account_of_a_ninjatrader_file_is_read_in_its_own_zone(db, fixture_path):
    TradingAccountFactory(login="Sim101", server_tz="Europe/Berlin")
    apex = TradingAccountFactory(login="APEX-1", server_tz="America/Chicago")
    AccountAlias.objects.create(account=apex, name="APEX-41852-07")  # the file's name for it
    TradingAccountFactory(login=TOPSTEP)  # no zone: UTC, with a warning naming it

    batch = import_file(fixture_path("ninjatrader_multi_account.csv"))

    assert (batch.status, batch.rows_new) == ("committed", 8)
    # 2/13/2026 9:30:01 AM in Berlin (UTC+1), 10:00:00 AM in Chicago (UTC-6), 11:15:09 AM UTC
    assert dt.datetime(2026, 2, 13, 8, 30, 1, tzinfo=UTC) in _opened("Sim101")
    assert _opened("APEX-1") == {dt.datetime(2026, 2, 13, 16, 0, tzinfo=UTC)}
    assert _opened(TOPSTEP) == {dt.datetime(2026, 2, 13, 11, 15, 9, tzinfo=UTC)}
    assert batch.broker_tz == (
        f"per account: APEX-1 America/Chicago, {TOPSTEP} UTC, Sim101 Europe/Berlin"
    )
    assert f"Times read {batch.broker_tz}." in report_text(batch)
    assert batch.warnings == [
        f"times read as UTC: account {TOPSTEP} has no server time zone (set it on the account, "
        "or choose the zone of the import)"
    ]
    again = import_file(fixture_path("ninjatrader_multi_account.csv"))
    assert (again.rows_new, again.rows_unchanged) == (0, 8)


def test_a_zone_chosen_for_the_import_wins_over_the_accounts(db, fixture_path):
    TradingAccountFactory(login="Sim101", server_tz="Europe/Berlin")
    TradingAccountFactory(login="APEX-41852-07", server_tz="America/Chicago")
    TradingAccountFactory(login=TOPSTEP)

    batch = import_file(fixture_path("ninjatrader_multi_account.csv"), broker_tz="Asia/Tokyo")

    assert _opened("APEX-41852-07") == {dt.datetime(2026, 2, 13, 1, 0, tzinfo=UTC)}
    assert (batch.broker_tz, batch.warnings) == ("Asia/Tokyo", [])


def test_accounts_sharing_a_zone_state_it_once(db, fixture_path):
    for login in ("Sim101", "APEX-41852-07", TOPSTEP):
        TradingAccountFactory(login=login, server_tz="America/New_York")

    batch = import_file(fixture_path("ninjatrader_multi_account.csv"))

    assert (batch.broker_tz, batch.warnings) == ("America/New_York", [])
    assert "Times read as America/New_York." in report_text(batch)


def test_an_mt5_report_imported_without_its_account_is_read_in_that_accounts_zone(db, fixture_path):
    TradingAccountFactory(login="52603751", server_tz="Europe/Athens")

    batch = import_file(fixture_path("mt5_report.html"))  # the account from "Account:"

    # 2025-03-03 10:15:23 in Athens (UTC+2 in March before the change)
    assert Trade.objects.get(ticket="1001").open_time == dt.datetime(
        2025, 3, 3, 8, 15, 23, tzinfo=UTC
    )
    assert batch.broker_tz == "Europe/Athens"
    assert not any("UTC" in warning for warning in batch.warnings)


def test_an_mt4_statement_of_an_account_without_a_zone_warns_naming_it(db, fixture_path):
    TradingAccountFactory(login="2090123")

    batch = import_file(fixture_path("mt4_statement.htm"))

    assert batch.broker_tz == "UTC"
    assert "times read as UTC: account 2090123 has no server time zone" in report_text(batch)
