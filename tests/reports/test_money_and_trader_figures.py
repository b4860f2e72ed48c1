"""Money and trader figures against the hand-computed small firm (tests/reports/conftest.py)."""

import datetime as dt
from decimal import Decimal as D

from reports import selectors
from reports.selectors import ReportFilter

FEB_APR = ReportFilter(dt.date(2026, 2, 1), dt.date(2026, 4, 30))
MARCH = ReportFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_fees_are_price_times_first_phase_accounts_and_payouts_are_trader_shares(firm):
    months = {r["month"]: r for r in selectors.fees_and_payouts_by_month(FEB_APR)}

    assert set(months) == {dt.date(2026, 2, 1), dt.date(2026, 3, 1)}
    feb, mar = months[dt.date(2026, 2, 1)], months[dt.date(2026, 3, 1)]
    assert (feb["accounts_sold"], feb["fees"], feb["paid"], feb["net"]) == (
        1,
        D("540.00"),
        D("0.00"),
        D("540.00"),
    )
    # 4 Two-Step × 540 + 3 One-Step × 300 = 3,060; one payout with a trader share of 800.
    assert (mar["accounts_sold"], mar["fees"]) == (7, D("3060.00"))
    assert (mar["payouts"], mar["paid"], mar["withdrawn"]) == (1, D("800.00"), D("1000.00"))
    assert mar["net"] == D("2260.00")


def test_money_by_month_follows_the_program_filter(firm):
    flt = ReportFilter(FEB_APR.start, FEB_APR.end, firm.one_step.pk)
    rows = selectors.fees_and_payouts_by_month(flt)
    assert [(r["month"], r["fees"], r["paid"]) for r in rows] == [
        (dt.date(2026, 3, 1), D("900.00"), D("0.00"))
    ]


def test_payout_liability_is_the_split_of_unpaid_profit_rounded_down(firm):
    owed = {r["login"]: r["owed"] for r in selectors.liability_accounts(MARCH)}

    assert owed == {
        firm.accounts["b1f"].login: D("1800.49"),  # ⌊2,000.55 × 90 %⌋ = 1,800.49
        firm.accounts["a2f"].login: D("400.00"),  # 500 earned since the payout × 80 %
        firm.accounts["b3f"].login: D("0.00"),  # a loss owes nothing
    }
    assert selectors.payout_liability(MARCH) == [
        {"currency": "USD", "funded_accounts": 3, "in_profit": 2, "liability": D("2200.49")}
    ]


def test_leaderboard_ranks_traders_by_net_pnl_of_their_trading_days_in_the_range(firm):
    rows = list(selectors.leaderboard(MARCH))

    assert [(r["rank"], r["trader_email"], r["net_pnl"]) for r in rows] == [
        (1, "b@traders.example", D("16000.00")),  # 10,000 + 5,000 + 1,000; +500 is April's
        (2, "f@traders.example", D("12000.55")),  # 10,000 + 2,000.55
        (3, "h@traders.example", D("9700.00")),  # 10,000 − 300
        (4, "e@traders.example", D("0.00")),  # a5e2 traded in February only
        (5, "c@traders.example", D("-500.00")),  # 10,000 − 10,500
        (6, "d@traders.example", D("-4000.00")),  # −4,050 + 50
        (7, "a@traders.example", D("-5500.00")),
        (7, "g@traders.example", D("-5500.00")),
    ]
    # b traded on 3 days in March, each a winning day; the engine's rows for b's idle days
    # (it stores one per account and day) are not trading days.
    assert (rows[0]["trades"], rows[0]["trading_days"], rows[0]["win_rate"]) == (
        3,
        3,
        D("100.00"),
    )
    assert rows[7]["win_rate"] == D("0.00")
    # e traded in February only: no trading day in March, so no rate rather than 0 %
    assert (rows[3]["trading_days"], rows[3]["win_rate"]) == (0, None)


def test_trader_detail_lists_every_account_of_the_trader_with_payouts(firm):
    trader = firm.traders["b"]
    accounts = list(selectors.trader_accounts(trader.pk))

    assert [a["login"] for a in accounts] == [
        firm.accounts[k].login for k in ("a2e1", "a2e2", "a2f")
    ]
    assert accounts[2]["paid_out"] == D("800.00") and accounts[0]["paid_out"] == D("0.00")
    payouts = list(selectors.trader_payouts(trader.pk))
    assert [(p["status"], p["trader_share"]) for p in payouts] == [("paid", D("800.00"))]


def test_trader_violations_are_newest_first(firm):
    rows = list(selectors.trader_violations(firm.traders["g"].pk))
    assert [r["rule_code"] for r in rows] == ["max_daily_loss", "news_trading"]
