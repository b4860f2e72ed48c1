"""The case page shows the reviewer the evidence: the findings with their matched pairs (trade
ids and gaps), the IPs and devices the case's traders share (with the device's user agent), and
not what only one trader used; it costs a bounded number of queries however many trades the
accounts hold."""

from __future__ import annotations

import pytest

from accounts.roles import RISK
from tests.factories import (
    CaseFactory,
    FindingFactory,
    LoginRecordFactory,
    TradeClientIpFactory,
    TradeFactory,
    TradingAccountFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_page(client):
    a, b = TradingAccountFactory(), TradingAccountFactory()
    case = CaseFactory(accounts=[a, b])
    FindingFactory(
        case=case,
        summary="14 trades opened together (same symbol and side, median gap 350 ms)",
        evidence={"matched": 14, "pairs": [[9101, 9202, 350], [9103, 9204, -410]]},
        trader_ids=[a.trader_id, b.trader_id],
        account_ids=[a.pk, b.pk],
    )
    for user in (a.trader, b.trader):
        LoginRecordFactory(user=user, ip="203.0.113.50", device_id="d" * 32, user_agent="Zen/9")
    LoginRecordFactory(user=a.trader, ip="192.0.2.200", device_id="e" * 32)  # a's alone
    TradeClientIpFactory(account=a, ip="198.51.100.77")
    TradeClientIpFactory(account=b, ip="198.51.100.77")
    client.force_login(staff_user(RISK, "risk@firm.example"))
    return case, a, b, client


def test_the_case_page_shows_matched_pairs_and_what_the_traders_share(case_page):
    case, a, b, client = case_page

    html = client.get(f"/staff/abuse/{case.pk}/").content.decode()

    assert "median gap 350 ms" in html
    assert "9101 · 9202 · 350" in html and "9103 · 9204 · -410" in html
    assert "203.0.113.50" in html and "198.51.100.77" in html
    assert "d" * 32 in html and "Zen/9" in html
    assert a.trader.email in html and b.trader.email in html
    assert "192.0.2.200" not in html and "e" * 32 not in html  # used by one trader only


def test_the_case_page_costs_the_same_queries_with_many_trades(
    case_page, django_assert_max_num_queries
):
    case, a, b, client = case_page
    TradeFactory.create_batch(3, account=a)
    with django_assert_max_num_queries(30) as few:
        client.get(f"/staff/abuse/{case.pk}/")
    TradeFactory.create_batch(60, account=b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/staff/abuse/{case.pk}/").status_code == 200
