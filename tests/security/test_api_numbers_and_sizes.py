"""Findings 3 and 11 of the security review: API numbers, sizes and symbols.

- 3: a trade whose profit was the documented maximum overflowed the account's stored metrics
  and stopped the risk engine for every account; amounts are now bounded so sums always fit.
- 11: JSON numbers passed through float, an 11 MB body was accepted, look-alike symbols too.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from imports.management.commands.create_bridge import bridge_group
from tests.factories import TradingAccountFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bridge_client(db):
    bridge = UserFactory(email="bridge@bridges.propdesk.invalid")
    bridge.groups.add(bridge_group())
    token = Token.objects.create(user=bridge)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


@pytest.fixture
def account(db):
    return TradingAccountFactory(status="active")


def _trade(account, **changes) -> dict:
    return {
        "account": account.login,
        "ticket": "T-1",
        "symbol": "EURUSD",
        "side": "buy",
        "volume": "1.00",
        "open_time": "2026-03-02T08:00:00Z",
        "open_price": "1.08",
        "close_time": "2026-03-02T09:00:00Z",
        "close_price": "1.09",
        "profit": "100.00",
        **changes,
    }


def _push(client, body: str):
    return client.post("/api/bridge/trades/", body, content_type="application/json")


def test_finding_11_a_json_number_is_stored_exactly(bridge_client, account):
    body = json.dumps({"trades": [_trade(account, profit="PROFIT")]}).replace(
        '"PROFIT"', "999999999.99"
    )

    response = _push(bridge_client, body)

    assert response.status_code == 201, response.content
    assert account.trades.get().profit == Decimal("999999999.99")


def test_finding_3_an_amount_beyond_the_bound_is_a_400_naming_the_item_and_field(
    bridge_client, account
):
    body = json.dumps({"trades": [_trade(account, profit="9999999999999999.99")]})

    response = _push(bridge_client, body)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["item"], error["column"]) == (0, "profit")
    assert "too large" in error["reason"]
    assert not account.trades.exists()


def test_finding_11_a_body_over_the_limit_is_refused_with_413(bridge_client, account, settings):
    settings.API_MAX_BODY_BYTES = 50_000
    trades = [_trade(account, ticket=f"T-{n}") for n in range(400)]

    response = _push(bridge_client, json.dumps({"trades": trades}))

    assert response.status_code == 413
    assert "exceeds 50,000 bytes" in response.json()["detail"]
    assert not account.trades.exists()


@pytest.mark.parametrize(
    ("symbol", "why"),
    [
        ("\u0415URUSD", "mixes letters of several scripts"),  # Cyrillic Е
        ("EUR\u200bUSD", "invisible character (U+200B)"),  # zero-width space
        ("EURUSD\u200f", "invisible character (U+200F)"),  # right-to-left mark
    ],
)
def test_finding_11_look_alike_symbols_are_refused(bridge_client, account, symbol, why):
    response = _push(bridge_client, json.dumps({"trades": [_trade(account, symbol=symbol)]}))

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["column"] == "symbol" and why in error["reason"]


def test_finding_11_a_full_width_symbol_is_stored_normalised(bridge_client, account):
    response = _push(
        bridge_client, json.dumps({"trades": [_trade(account, symbol="ＥＵＲＵＳＤ")]})
    )

    assert response.status_code == 201
    assert account.trades.get().symbol == "EURUSD"


def test_finding_11_a_symbol_in_one_non_latin_script_is_kept(bridge_client, account):
    response = _push(bridge_client, json.dumps({"trades": [_trade(account, symbol="トヨタ")]}))

    assert response.status_code == 201
    assert account.trades.get().symbol == "トヨタ"
