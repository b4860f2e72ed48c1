"""Why an account failed: the violation's numbers, the day against the limit, the trades."""

import json
import re

import plotly.graph_objects as go
import pytest
from django.urls import reverse

from risk.models import Violation

pytestmark = pytest.mark.django_db


def _figure(html: str) -> dict:
    body = re.search(r'<script id="figure-day" type="application/json">(.*?)</script>', html)
    return json.loads(body.group(1))


def test_failure_page_explains_the_breach_with_its_numbers(trader_client, accounts):
    response = trader_client.get(reverse("portal:failure", args=["7000002"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Max daily loss" in html and "Breach" in html
    assert "95,750.00 USD" in html and "95,150.00 USD" in html
    assert "fell below the daily loss limit" in html


def test_failure_page_draws_the_days_equity_against_the_limit_line(trader_client, accounts):
    html = trader_client.get(reverse("portal:failure", args=["7000002"])).content.decode()
    figure = _figure(html)
    go.Figure(figure)
    traces = {t["name"]: t for t in figure["data"]}
    assert traces["Balance"]["y"] == [100750.0, 98050.0, 95850.0, 95150.0]
    limit = next(t for name, t in traces.items() if name.startswith("Limit"))
    assert limit["y"] == [95750.0, 95750.0]
    assert traces["Breach"]["y"] == [95150.0]


def test_failure_page_lists_the_trades_behind_it(trader_client, accounts):
    html = trader_client.get(reverse("portal:failure", args=["7000002"])).content.decode()
    section = html.split('id="trades-title"')[1].split("</section>")[0]
    violation = Violation.objects.get(account=accounts["failed"], severity="hard")
    trades = accounts["failed"].trades.filter(pk__in=violation.evidence["trade_ids"])
    assert trades.count() == 3
    for trade in trades:
        assert f"<td>{trade.ticket}</td>" in section
    assert "-2,700.00" in section


def test_failure_page_lists_soft_violations_as_warnings(trader_client, accounts):
    html = trader_client.get(reverse("portal:failure", args=["7000002"])).content.decode()
    assert "Warnings on this account" in html
    assert "was held over the weekend" in html


def test_dismissed_warnings_are_not_shown(trader_client, accounts):
    Violation.objects.filter(severity="soft").update(status="dismissed")
    html = trader_client.get(reverse("portal:failure", args=["7000002"])).content.decode()
    assert "held over the weekend" not in html


def test_an_account_that_did_not_fail_has_no_failure_page(trader_client, accounts):
    response = trader_client.get(reverse("portal:failure", args=["7000001"]))
    assert response.status_code == 404


def test_a_warning_has_its_own_explanation(trader_client, accounts):
    warning = Violation.objects.get(account=accounts["failed"], severity="soft")
    response = trader_client.get(reverse("portal:violation", args=["7000002", warning.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Weekend holding" in html and "Warning" in html


def test_violation_url_must_name_the_violations_own_account(trader_client, accounts):
    warning = Violation.objects.get(account=accounts["failed"], severity="soft")
    response = trader_client.get(reverse("portal:violation", args=["7000001", warning.pk]))
    assert response.status_code == 404
