"""NinjaTrader 8 trades exports as the platform writes them (issue 14, cases 1-4 and 8).

Fixtures: `ninjatrader_multi_account.csv` (US locale, three accounts, a 3-lot order split into
three identical 1-lot rows) and `ninjatrader_european.csv` (the Sim101 rows from a European
Windows: `;`, decimal comma, `-34,48 $`, day-first 24-hour times, a trailing `;`).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from evaluations.models import AccountAlias, Trade
from imports.service import import_file
from tests.factories import TradingAccountFactory

UTC = dt.UTC
TOPSTEP = "EXPRESSApr3013436618!TopstepTrader!TopstepTrader"
FILE_NET = Decimal("29.92")  # the file's last `Cum. net profit`


@pytest.fixture
def nt_accounts(db):
    return {
        "Sim101": TradingAccountFactory(login="Sim101"),
        "APEX-41852-07": TradingAccountFactory(login="APEX-41852-07"),
        TOPSTEP: TradingAccountFactory(login=TOPSTEP),
    }


def _net(**filters) -> Decimal:
    return Trade.objects.filter(**filters).aggregate(n=Sum("net"))["n"]


def test_identical_one_lot_rows_are_separate_trades_and_net_matches_the_file(
    nt_accounts, fixture_path
):
    batch = import_file(fixture_path("ninjatrader_multi_account.csv"))

    assert (batch.status, batch.rows_total, batch.rows_new) == ("committed", 8, 8)
    sim = nt_accounts["Sim101"]
    longs = Trade.objects.filter(account=sim, side="buy")
    assert longs.count() == 3
    assert len({t.ticket for t in longs}) == 3
    assert _net() == FILE_NET


def test_profit_is_net_and_costs_are_components(nt_accounts, fixture_path):
    import_file(fixture_path("ninjatrader_multi_account.csv"))

    short = Trade.objects.get(account=nt_accounts["Sim101"], side="sell")
    assert (short.net, short.commission, short.fees, short.profit) == (
        Decimal("-34.48"),
        Decimal("-1.24"),
        Decimal("-1.24"),
        Decimal("-32.00"),  # 8 points x $2 x 2 contracts, before costs
    )


def test_rows_route_to_the_accounts_the_file_names_with_per_account_totals(
    nt_accounts, fixture_path
):
    batch = import_file(fixture_path("ninjatrader_multi_account.csv"))

    assert batch.accounts == {
        "APEX-41852-07": {"rows": 2, "new": 2, "net": "416.52"},
        TOPSTEP: {"rows": 2, "new": 2, "net": "-408.40"},
        "Sim101": {"rows": 4, "new": 4, "net": "21.80"},
    }
    assert _net(account=nt_accounts[TOPSTEP]) == Decimal("-408.40")


def test_reimport_changes_nothing(nt_accounts, fixture_path):
    import_file(fixture_path("ninjatrader_multi_account.csv"))

    again = import_file(fixture_path("ninjatrader_multi_account.csv"))

    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 8)
    assert Trade.objects.count() == 8


def test_reexport_with_new_numbers_and_later_rows_is_unchanged_plus_new(
    nt_accounts, fixture_path, tmp_path
):
    import_file(fixture_path("ninjatrader_multi_account.csv"))
    lines = fixture_path("ninjatrader_multi_account.csv").read_text().splitlines()
    later = "9,MNQ 03-26,Sim101,,Long,1,21500.25,21510.25,2/16/2026 9:30:01 AM,"
    later += "2/16/2026 9:41:17 AM,Entry,Exit,$18.76,$48.68,$0.62,$0.62,$10.00,$25.00,$6.24,11"
    # a re-export of the same history: numbered from 1 again, one more trade of the 1-lot
    # kind on a later day, and the rows of one account first
    body = [lines[0], *(f"{n}{line[line.index(','):]}" for n, line in enumerate(
        [*lines[5:], *lines[1:5], later], 1))]  # fmt: skip
    reexport = tmp_path / "reexport.csv"
    reexport.write_text("\n".join(body) + "\n")

    batch = import_file(reexport)

    assert (batch.rows_new, batch.rows_updated, batch.rows_unchanged) == (1, 0, 8)
    assert _net() == FILE_NET + Decimal("18.76")


def test_an_extra_identical_row_in_a_reexport_is_one_new_trade(nt_accounts, fixture_path, tmp_path):
    import_file(fixture_path("ninjatrader_multi_account.csv"))
    lines = fixture_path("ninjatrader_multi_account.csv").read_text().splitlines()
    reexport = tmp_path / "reexport.csv"
    reexport.write_text("\n".join([*lines, "9" + lines[1][1:]]) + "\n")

    batch = import_file(reexport)

    assert (batch.rows_new, batch.rows_unchanged) == (1, 8)
    assert Trade.objects.filter(account=nt_accounts["Sim101"], side="buy").count() == 4


def test_with_an_account_other_accounts_rows_are_refused(nt_accounts, fixture_path):
    batch = import_file(
        fixture_path("ninjatrader_multi_account.csv"), account=nt_accounts["Sim101"]
    )

    assert (batch.status, batch.rows_rejected) == ("rejected", 4)
    assert "a row of account 'APEX-41852-07', not of 'Sim101'" in batch.errors[0]["reason"]
    assert not Trade.objects.exists()


def test_with_an_account_other_accounts_rows_can_be_skipped_and_are_counted(
    nt_accounts, fixture_path
):
    batch = import_file(
        fixture_path("ninjatrader_multi_account.csv"),
        account=nt_accounts["Sim101"],
        skip_other_accounts=True,
    )

    assert (batch.status, batch.rows_total, batch.rows_new) == ("committed", 4, 4)
    assert batch.skipped == {"APEX-41852-07": 2, TOPSTEP: 2}
    assert Trade.objects.filter(account=nt_accounts["Sim101"]).count() == 4
    assert Trade.objects.count() == 4


def test_an_alias_maps_the_files_account_name_to_a_propdesk_account(db, fixture_path):
    account = TradingAccountFactory(login="PD-1001")
    AccountAlias.objects.create(account=account, name="Sim101", platform="NinjaTrader")

    batch = import_file(
        fixture_path("ninjatrader_european.csv"), account=account, skip_other_accounts=False
    )

    assert (batch.status, batch.rows_new) == ("committed", 4)
    assert batch.accounts == {"PD-1001": {"rows": 4, "new": 4, "net": "21.80"}}


def test_an_alias_routes_rows_without_an_account_given(db, fixture_path):
    account = TradingAccountFactory(login="PD-1002")
    AccountAlias.objects.create(account=account, name="Sim101")

    batch = import_file(fixture_path("ninjatrader_european.csv"))

    assert (batch.status, batch.rows_new) == ("committed", 4)
    assert Trade.objects.filter(account=account).count() == 4


def test_european_locale_file_reads_like_the_us_one(db, fixture_path):
    sim = TradingAccountFactory(login="Sim101")

    batch = import_file(fixture_path("ninjatrader_european.csv"), broker_tz="Europe/Prague")

    assert (batch.format, batch.status, batch.rows_new) == ("ninjatrader", "committed", 4)
    short = Trade.objects.get(account=sim, side="sell")
    assert (short.net, short.open_price, short.volume) == (
        Decimal("-34.48"),
        Decimal("21522.00"),
        Decimal("2"),
    )
    # 13/02/2026 14:05:44 in Prague (UTC+1) is 13 February, 13:05:44 UTC
    assert short.open_time == dt.datetime(2026, 2, 13, 13, 5, 44, tzinfo=UTC)
    again = import_file(fixture_path("ninjatrader_european.csv"), broker_tz="Europe/Prague")
    assert (again.rows_new, again.rows_unchanged) == (0, 4)


def test_european_and_us_exports_of_one_history_are_the_same_trades(nt_accounts, fixture_path):
    import_file(fixture_path("ninjatrader_european.csv"))

    us = import_file(fixture_path("ninjatrader_multi_account.csv"))

    assert us.accounts["Sim101"] == {"rows": 4, "new": 0, "net": "21.80"}
    assert (us.rows_new, us.rows_unchanged) == (4, 4)


def test_ambiguous_dates_ask_for_the_date_order(db, fixture_path, tmp_path):
    TradingAccountFactory(login="Sim101")
    ambiguous = tmp_path / "eu.csv"
    ambiguous.write_text(
        fixture_path("ninjatrader_european.csv").read_text().replace("13/02", "10/02")
    )

    refused = import_file(ambiguous)
    batch = import_file(ambiguous, date_order="dmy")

    reason = refused.errors[0]["reason"]
    assert refused.status == "rejected"
    assert "ambiguous dates" in reason and "--date-order dmy" in reason
    assert batch.status == "committed"
    assert Trade.objects.filter(open_time__date=dt.date(2026, 2, 10)).count() == 4


def test_forced_format_on_a_semicolon_file_reads_its_columns(db, fixture_path):
    TradingAccountFactory(login="Sim101")

    batch = import_file(fixture_path("ninjatrader_european.csv"), fmt="ninjatrader")

    assert (batch.status, batch.rows_new) == ("committed", 4)


def test_missing_columns_error_says_how_the_header_was_read(db, tmp_path):
    broken = tmp_path / "nt.csv"
    broken.write_text(
        "Trade number;Instrument;Account;Market pos.;Entry time;Exit time\n1;NQ;A;Long;x;y\n"
    )

    batch = import_file(broken, fmt="ninjatrader")

    reason = batch.errors[0]["reason"]
    assert "missing column(s) Qty, Entry price, Exit price, Profit" in reason
    assert "semicolon-separated" in reason


def test_dates_mixing_both_orders_are_refused(db, fixture_path, tmp_path):
    TradingAccountFactory(login="Sim101")
    text = fixture_path("ninjatrader_multi_account.csv").read_text()
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(text.replace("2/13/2026 10:00:00 AM", "14/2/2026 10:00:00 AM"))

    batch = import_file(mixed)

    assert "dates mix day-first" in batch.errors[0]["reason"]


def test_a_48_character_login_is_stored(db):
    account = TradingAccountFactory(login=TOPSTEP)

    account.refresh_from_db()

    assert len(account.login) == 48


def test_command_routes_skips_and_prints_per_account_totals(nt_accounts, fixture_path, capsys):
    call_command(
        "import_trades",
        str(fixture_path("ninjatrader_multi_account.csv")),
        "--account",
        "Sim101",
        "--skip-other-accounts",
    )

    out = capsys.readouterr().out
    assert "Sim101: 4 row(s), 4 new, net 21.80" in out
    assert "Skipped 4 row(s) of other accounts: APEX-41852-07 (2), " + TOPSTEP + " (2)." in out


def test_command_asks_for_and_takes_the_date_order(db, fixture_path, tmp_path, capsys):
    TradingAccountFactory(login="Sim101")
    ambiguous = tmp_path / "eu.csv"
    ambiguous.write_text(
        fixture_path("ninjatrader_european.csv").read_text().replace("13/02", "10/02")
    )

    with pytest.raises(CommandError, match="ambiguous dates"):
        call_command("import_trades", str(ambiguous))
    call_command("import_trades", str(ambiguous), "--date-order", "dmy")

    assert "4 new" in capsys.readouterr().out


NT_HEADER = (
    "Trade number,Instrument,Account,Strategy,Market pos.,Qty,Entry price,Exit price,"
    "Entry time,Exit time,Entry name,Exit name,Profit,Cum. net profit,Commission\n"
)


def _us_rows(*days: str) -> str:
    return "".join(
        f"{n},MES 12-26,Sim101,,Long,1,6000.00,6001.00,{day}/2026 10:00:00 AM,"
        f"{day}/2026 10:05:00 AM,Entry,Exit,$4.38,${Decimal('4.38') * n},$0.62\n"
        for n, day in enumerate(days, start=1)
    )


def test_when_no_day_is_above_12_the_trades_time_order_decides(db, tmp_path):
    TradingAccountFactory(login="Sim101", started_at=dt.datetime(2025, 1, 1, tzinfo=UTC))
    # Month-first: 10 Nov … 3 Dec, in trade order. Day-first the same cells would run
    # 11 Oct, 11 Dec, 12 Jan, 12 Mar: not the grid's order, so that reading is ruled out.
    us = tmp_path / "us.csv"
    us.write_text(NT_HEADER + _us_rows("11/10", "11/12", "12/01", "12/03"))
    # One month only: both readings run forward in time, so the file stays ambiguous.
    one_month = tmp_path / "one_month.csv"
    one_month.write_text(NT_HEADER + _us_rows("12/01", "12/02", "12/03"))

    batch = import_file(us)
    refused = import_file(one_month)

    assert batch.status == "committed", batch.errors
    opened = sorted(Trade.objects.values_list("open_time__date", flat=True))
    assert opened == [dt.date(2026, 11, 10), dt.date(2026, 11, 12), dt.date(2026, 12, 1),
                      dt.date(2026, 12, 3)]  # fmt: skip
    assert refused.status == "rejected"
    assert "ambiguous dates" in refused.errors[0]["reason"]
