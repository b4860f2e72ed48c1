"""The dashboards as staff see them: filters, tables, figures, CSV exports, bounded queries."""

import csv
import io
import json

import pytest
from django.urls import reverse

from accounts.roles import ADMINS
from tests.reports.conftest import build_firm

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
DASHBOARDS = ["reports:risk", "reports:risk_panel", "reports:funnel", "reports:money",
              "reports:leaderboard"]  # fmt: skip


@pytest.fixture
def admin_client(client, role_users):
    client.force_login(role_users[ADMINS])
    return client


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _figures(html: str) -> dict[str, dict]:
    """Every figure the page embeds as <script type="application/json" id=…>."""
    import re

    found = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


def test_money_page_shows_liability_and_embeds_the_fees_figure(admin_client, firm):
    response = admin_client.get(reverse("reports:money"), MARCH)

    html = response.content.decode()
    assert "2,200.49" in html
    figure = _figures(html)["fig-money-months"]
    traces = {t["name"]: t for t in figure["data"]}
    assert traces["Fees (USD)"]["y"] == [3060.0]
    assert traces["Payouts (USD)"]["y"] == [800.0]


def test_csv_export_has_every_row_with_the_page_filters(admin_client, firm):
    response = admin_client.get(reverse("reports:export", args=["funnel"]), MARCH)

    assert response["Content-Type"] == "text/csv"
    assert 'filename="funnel-20260301-20260331.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:4] == ["Program", "Started in", "Started", "Passed phase 1"]
    assert {(r[0], r[1], r[2]) for r in rows[1:]} == {
        ("One-Step", "2026-03-01", "3"),
        ("Two-Step", "2026-03-01", "4"),
    }


def test_liability_csv_lists_each_funded_account(admin_client, firm):
    rows = _csv(admin_client.get(reverse("reports:export", args=["liability"]), MARCH))
    owed = {r[0]: r[5] for r in rows[1:]}
    assert owed[firm.accounts["b1f"].login] == "1800.49"
    assert len(owed) == 3


def test_trader_tables_export_as_csv(admin_client, firm):
    trader = firm.traders["b"]
    url = reverse("reports:trader_export", args=[trader.pk, "trader-accounts"])
    rows = _csv(admin_client.get(url))
    assert [r[0] for r in rows[1:]] == [firm.accounts[k].login for k in ("a2e1", "a2e2", "a2f")]


def test_unknown_table_is_not_found(admin_client, db):
    assert admin_client.get(reverse("reports:export", args=["nope"])).status_code == 404
    assert admin_client.get(reverse("reports:export", args=["trader-accounts"])).status_code == 404


def test_every_table_on_a_page_links_its_csv_with_the_same_filters(admin_client, firm):
    html = admin_client.get(reverse("reports:funnel"), MARCH).content.decode()
    for slug in ("funnel", "failing-rules", "days-to-pass"):
        link = reverse("reports:export", args=[slug]) + "?start=2026-03-01&amp;end=2026-03-31"
        assert link in html, slug


def test_an_inverted_range_is_explained_and_the_default_is_shown(admin_client, firm):
    response = admin_client.get(
        reverse("reports:funnel"), {"start": "2026-03-31", "end": "2026-03-01"}
    )
    assert response.status_code == 200
    assert "The start date must not be after the end date." in response.content.decode()


@pytest.mark.parametrize("name", ["reports:risk", "reports:live"])
def test_risk_and_live_monitors_follow_the_live_stream_with_no_inline_script(
    admin_client, firm, name
):
    html = admin_client.get(reverse(name), MARCH).content.decode()

    assert 'data-live-stream="/staff/live/stream/"' in html
    assert "/static/js/live_monitor.js" in html
    # Only JSON data and static files: no inline JavaScript for the CSP to block.
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, tag


def test_risk_monitor_fetches_its_panel_on_live_events_not_on_a_timer(admin_client, firm):
    html = admin_client.get(reverse("reports:risk"), MARCH).content.decode()

    assert 'hx-get="/staff/risk/panel/?start=2026-03-01&amp;end=2026-03-31"' in html
    assert 'hx-trigger="live-change from:body"' in html
    assert "every " not in html.split('id="risk-panel"')[1].split(">")[0]
    assert "includeIndicatorStyles" in html
    assert 'href="/staff/live/"' in html


def test_trader_page_shows_all_accounts_and_the_daily_pnl_figure(admin_client, firm):
    b1f = firm.accounts["b1f"]  # trades: +200 on 03-19, +1,500.55 and +300 on 03-20
    # b1e1 (03-02…03-12) passed with +10,000 on 03-12; every day of both accounts is drawn.
    url = reverse("reports:trader", args=[firm.traders["f"].pk])

    html = admin_client.get(url, MARCH).content.decode()

    assert firm.accounts["b1e1"].login in html and b1f.login in html
    traces = {t["name"]: t for t in _figures(html)["fig-trader-pnl"]["data"]}
    assert traces["Daily net"]["y"] == [*[0.0] * 10, 10000.0, *[0.0] * 6, 200.0, 1800.55]
    assert traces["Cumulative"]["y"] == [*[0.0] * 10, *[10000.0] * 7, 10200.0, 12000.55]


def _query_count(client, url, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_queries_are_bounded_whatever_the_number_of_accounts(admin_client, firm, name):
    url = reverse(name)
    before = _query_count(admin_client, url, MARCH)
    build_firm(copy=1)
    after = _query_count(admin_client, url, MARCH)

    assert before == after
    # session, user, permissions, the figures (and a savepoint); the risk monitor also lists
    # the accounts the engine could not evaluate
    assert before <= 17


def test_trader_page_queries_do_not_grow_with_accounts(admin_client, firm):
    url = reverse("reports:trader", args=[firm.traders["b"].pk])
    before = _query_count(admin_client, url, {})
    from tests.factories import TradingAccountFactory

    for _ in range(5):
        TradingAccountFactory(trader=firm.traders["b"])
    assert _query_count(admin_client, url, {}) == before <= 14
