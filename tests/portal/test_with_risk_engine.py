"""The portal reads what the real risk evaluation stores (not hand-made rows)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations.models import AccountStatus
from risk.services.evaluation import evaluate_account
from tests.factories import TradeFactory, TradingAccountFactory
from tests.portal.builders import DAY0, two_step_program

pytestmark = pytest.mark.django_db

RULES = [
    ("max_daily_loss", "hard", {"percent": "5"}),
    ("max_total_loss", "hard", {"percent": "10"}),
    ("profit_target", "soft", {"percent": "10"}),
    ("min_trading_days", "soft", {"days": 3}),
    ("consistency", "soft", {"percent": "40"}),
]


@pytest.fixture
def rule_set(db):
    phase1, _, _ = two_step_program(rules=RULES)
    return phase1


def _trade(account, day: int, hour: int, profit: str):
    opened = DAY0 + dt.timedelta(days=day, hours=hour)
    return TradeFactory(
        account=account,
        open_time=opened,
        close_time=opened + dt.timedelta(minutes=30),
        profit=Decimal(profit),
    )


def test_account_page_shows_the_engines_objectives_and_floors(trader_client, trader, rule_set):
    account = TradingAccountFactory(trader=trader, rule_set=rule_set, login="7500001")
    _trade(account, 0, 1, "1500.00")
    _trade(account, 1, 1, "-300.00")
    evaluate_account(account.pk, as_of=DAY0 + dt.timedelta(days=1, hours=5), notify=False)
    html = trader_client.get(reverse("portal:account", args=["7500001"])).content.decode()
    assert "Profit target" in html and "Minimum trading days" in html
    assert "Consistency (best day)" in html
    assert "1,200.00 USD" in html  # net profit so far
    assert "10,000.00 USD" in html  # the target
    assert "2 days" in html and "3 days" in html
    assert "101,200.00 USD" in html  # equity = balance
    assert 'id="figure-balance"' in html


def test_failure_page_explains_the_engines_violation(trader_client, trader, rule_set):
    account = TradingAccountFactory(trader=trader, rule_set=rule_set, login="7500002")
    _trade(account, 0, 1, "500.00")
    losing = [_trade(account, 1, 1, "-3000.00"), _trade(account, 1, 2, "-2500.00")]
    evaluate_account(account.pk, as_of=DAY0 + dt.timedelta(days=2), notify=False)
    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    response = trader_client.get(reverse("portal:failure", args=["7500002"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Max daily loss" in html
    section = html.split('id="trades-title"')[1].split("</section>")[0]
    assert f"<td>{losing[-1].ticket}</td>" in section
    assert 'id="figure-day"' in html
