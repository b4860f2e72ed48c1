"""Risk monitor figures against the hand-computed small firm (tests/reports/conftest.py)."""

import datetime as dt
from decimal import Decimal as D

from reports import selectors
from reports.selectors import ReportFilter

MARCH = ReportFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_open_accounts_are_ranked_by_the_room_left_to_their_nearest_limit(firm):
    rows = list(selectors.closest_to_limits(MARCH))

    assert [r["login"] for r in rows] == [
        firm.accounts["a4"].login,  # daily room 1,000 = 1.00 % of B0
        firm.accounts["b3f"].login,  # total room 99,700 − 95,000 = 4,700 = 4.70 %
        firm.accounts["b1f"].login,  # total room 102,000.55 − 97,000.55 (trailing) = 5.00 %
        firm.accounts["a2f"].login,  # daily room 100,500 − 95,000 = 5,500 = 5.50 %
        firm.accounts["a5e2"].login,  # only a total limit: 9.00 %
    ]
    a4 = rows[0]
    assert a4["room_daily"] == D("1000.00") and a4["room_daily_pct"] == D("1.00")
    assert a4["room_total"] == D("6000.00") and a4["room_total_pct"] == D("6.00")
    b1f = rows[2]
    assert b1f["room_daily_pct"] == D("6.80") and b1f["closest_pct"] == D("5.00")
    assert rows[4]["room_daily_pct"] is None and rows[4]["closest_pct"] == D("9.00")


def test_failed_accounts_are_not_on_the_closest_to_limits_list(firm):
    logins = {r["login"] for r in selectors.closest_to_limits(MARCH, limit=None)}
    assert firm.accounts["b2"].login not in logins


def test_program_filter_narrows_the_closest_to_limits_list(firm):
    flt = ReportFilter(MARCH.start, MARCH.end, firm.one_step.pk)
    assert [r["login"] for r in selectors.closest_to_limits(flt)] == [
        firm.accounts["b3f"].login,
        firm.accounts["b1f"].login,
    ]


def test_violations_of_one_day_are_counted_by_rule(firm):
    day = ReportFilter(dt.date(2026, 3, 4), dt.date(2026, 3, 4))
    rows = {(r["rule_code"], r["severity"]): r for r in selectors.violations_by_rule(day)}

    assert set(rows) == {("max_daily_loss", "hard"), ("news_trading", "soft")}
    assert rows["max_daily_loss", "hard"]["violations"] == 1
    assert rows["max_daily_loss", "hard"]["failed_accounts"] == 1
    assert rows["news_trading", "soft"]["failed_accounts"] == 0


def test_violations_of_the_month_sum_every_rule(firm):
    counts = {r["rule_code"]: r["violations"] for r in selectors.violations_by_rule(MARCH)}
    assert counts == {"max_daily_loss": 2, "max_total_loss": 1, "news_trading": 1}


def test_accounts_are_counted_per_status(firm):
    counts = {r["status"]: r["accounts"] for r in selectors.accounts_by_status(MARCH)}
    assert counts == {"active": 2, "failed": 3, "funded": 3, "passed": 6}


def test_exposure_counts_positions_open_at_the_latest_snapshot_by_symbol(firm):
    rows = {r["symbol"]: r for r in selectors.open_exposure_by_symbol(MARCH)}

    # b1f at 12:00: buy 2.00 (10–14h) and sell 0.50 (11–13h) open; the 03-19 trade is not.
    assert rows["EURUSD"]["net_lots"] == D("1.5000")
    assert rows["EURUSD"]["gross_lots"] == D("2.5000")
    assert rows["EURUSD"]["positions"] == 2
    # a4 at 12:00: sell 1.00 XAUUSD (10–14h).
    assert rows["XAUUSD"]["net_lots"] == D("-1.0000")
    assert set(rows) == {"EURUSD", "XAUUSD"}


def test_exposure_follows_the_program_filter(firm):
    one_step = ReportFilter(MARCH.start, MARCH.end, firm.one_step.pk)
    two_step = ReportFilter(MARCH.start, MARCH.end, firm.two_step.pk)

    # b1f is funded in the one-step program, a4 is active in the two-step one.
    assert [r["symbol"] for r in selectors.open_exposure_by_symbol(one_step)] == ["EURUSD"]
    assert [r["symbol"] for r in selectors.open_exposure_by_symbol(two_step)] == ["XAUUSD"]


def test_floating_pnl_sums_the_latest_snapshot_of_each_open_account(firm):
    floating = selectors.floating_pnl(MARCH)
    # b1f: 100,050 − 100,200 = −150; a4: 100,050 − 100,000 = +50.
    assert floating == {"accounts": 2, "floating": D("-100.00"), "losing": 1}
