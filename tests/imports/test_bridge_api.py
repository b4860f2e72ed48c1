"""Bridge API: token per bridge, JSON batches of trades or snapshots, per-item errors."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from evaluations.models import EquitySnapshot, ImportBatch, Trade
from tests.factories import UserFactory, staff_user

TRADES_URL = "/api/bridge/trades/"
SNAPSHOTS_URL = "/api/bridge/snapshots/"


def _trade(**overrides):
    item = {
        "account": "8100001",
        "ticket": "500",
        "symbol": "EURUSD",
        "side": "buy",
        "volume": "1.00",
        "open_time": "2026-03-02T08:00:00Z",
        "open_price": "1.08000",
        "close_time": "2026-03-02T09:00:00Z",
        "close_price": "1.08250",
        "commission": "-7.00",
        "profit": 250.1,
    }
    return {**item, **overrides}


@pytest.fixture
def bridge(db):
    out = StringIO()
    call_command("create_bridge", "mt5-live", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def test_create_bridge_prints_the_same_token_until_rotated(db):
    first, again, rotated = StringIO(), StringIO(), StringIO()
    call_command("create_bridge", "ctrader-1", stdout=first)
    call_command("create_bridge", "ctrader-1", stdout=again)
    call_command("create_bridge", "ctrader-1", "--rotate", stdout=rotated)

    assert first.getvalue() == again.getvalue() != rotated.getvalue()
    assert len(first.getvalue().strip()) == 40


def test_a_bridge_pushes_trades_and_a_resend_changes_nothing(bridge, two_accounts):
    body = {"trades": [_trade(), _trade(ticket="501", side="sell")]}

    created = bridge.post(TRADES_URL, body, format="json")
    again = bridge.post(TRADES_URL, body, format="json")

    assert created.status_code == 201
    assert (created.json()["new"], created.json()["status"]) == (2, "committed")
    assert again.status_code == 201
    assert (again.json()["new"], again.json()["unchanged"]) == (0, 2)
    assert "No changes" in again.json()["message"]
    trade = Trade.objects.get(ticket="500")
    assert (trade.profit, trade.net) == (Decimal("250.10"), Decimal("243.10"))
    assert ImportBatch.objects.filter(source="api", format="json-trades").count() == 2


def test_bad_items_get_400_with_per_item_errors_and_nothing_is_written(bridge, two_accounts):
    body = {
        "trades": [
            _trade(),
            _trade(ticket="501", account="404404"),
            _trade(ticket="502", volume="-1"),
            _trade(ticket="503", close_time="2026-03-02T07:00:00Z"),
        ]
    }

    response = bridge.post(TRADES_URL, body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["item"], e["column"]) for e in errors] == [
        (1, "account"),
        (2, "volume"),
        (3, "close_time"),
    ]
    assert "unknown account '404404'" in errors[0]["reason"]
    assert not Trade.objects.exists()


def test_a_trade_dated_year_9999_is_a_400_naming_its_item_and_nothing_is_stored(
    bridge, two_accounts, time_machine
):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC), tick=False)
    body = {"trades": [_trade(), _trade(ticket="501", close_time="9999-12-31T23:59:59Z")]}

    response = bridge.post(TRADES_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "item": 1,
            "column": "close_time",
            "reason": "9999-12-31 23:59:59 UTC is in the future "
            "(now 2026-06-01 12:00:00 UTC; 5 min ahead at most)",
        }
    ]
    assert not Trade.objects.exists()
    assert ImportBatch.objects.get().status == "rejected"


def test_a_bridge_sending_local_time_as_utc_is_told_the_zone_is_wrong(
    bridge, two_accounts, time_machine
):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC), tick=False)
    # 13:30 in Prague is 11:30 UTC, but a time without an offset is UTC on the API
    local = _trade(open_time="2026-06-01T13:00:00", close_time="2026-06-01T13:30:00")

    response = bridge.post(TRADES_URL, {"trades": [local]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["reason"] == (
        "2026-06-01 13:30:00 UTC is 1 h 30 min in the future (now 2026-06-01 12:00:00 UTC): "
        "wrong time zone? Times without a UTC offset were read as UTC"
    )


def test_snapshots_outside_the_time_window_are_refused_per_item(bridge, two_accounts):
    def snapshot(time: str) -> dict:
        return {"account": "8100001", "time": time, "balance": "100000", "equity": "100000"}

    body = {
        "partial": True,
        "snapshots": [
            snapshot("2026-03-02T08:00:00Z"),
            snapshot("9999-12-31T23:59:59Z"),
            snapshot("1999-12-31T23:59:59Z"),
        ],
    }

    response = bridge.post(SNAPSHOTS_URL, body, format="json")

    assert response.status_code == 201
    errors = response.json()["errors"]
    assert [(e["item"], e["column"]) for e in errors] == [(1, "time"), (2, "time")]
    assert "is in the future" in errors[0]["reason"]
    assert errors[1]["reason"] == (
        "1999-12-31 23:59:59 UTC is before 2000-01-01 00:00:00 UTC, the earliest time accepted"
    )
    assert EquitySnapshot.objects.count() == 1


def test_partial_batch_commits_the_good_items(bridge, two_accounts):
    body = {"partial": True, "trades": [_trade(), _trade(ticket="9", profit="abc")]}

    response = bridge.post(TRADES_URL, body, format="json")

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["rejected"]) == ("partial", 1)
    assert list(Trade.objects.values_list("ticket", flat=True)) == ["500"]


def test_snapshots_are_pushed_by_account_and_time(bridge, two_accounts):
    body = {
        "snapshots": [
            {
                "account": "8100001",
                "time": "2026-03-02T08:00:00Z",
                "balance": "100000",
                "equity": "99650.5",
            },
            {
                "account": "8100002",
                "time": "2026-03-02T08:00:00+02:00",
                "balance": 5e4,
                "equity": 5e4,
            },
        ]
    }

    response = bridge.post(SNAPSHOTS_URL, body, format="json")

    assert response.status_code == 201, response.json()
    assert EquitySnapshot.objects.get(account__login="8100001").equity == Decimal("99650.50")
    assert EquitySnapshot.objects.get(account__login="8100002").time.hour == 6


def test_malformed_envelope_is_a_400(bridge, two_accounts):
    assert bridge.post(TRADES_URL, {"trades": []}, format="json").status_code == 400
    assert bridge.post(TRADES_URL, {"nope": 1}, format="json").status_code == 400
    assert (
        bridge.post(TRADES_URL, {"trades": ["x"]}, format="json").json()["errors"][0]["reason"]
        == "each item must be an object"
    )


def test_no_token_is_401_and_a_user_without_add_trade_is_403(db, two_accounts):
    anonymous = APIClient()
    trader = APIClient()
    trader.force_authenticate(UserFactory())
    support = APIClient()
    support.force_authenticate(staff_user("support"))

    assert anonymous.post(TRADES_URL, {"trades": [_trade()]}, format="json").status_code == 401
    assert trader.post(TRADES_URL, {"trades": [_trade()]}, format="json").status_code == 403
    assert support.post(TRADES_URL, {"trades": [_trade()]}, format="json").status_code == 403
    assert not Trade.objects.exists()


def test_risk_staff_may_push_too(db, two_accounts):
    client = APIClient()
    client.force_authenticate(staff_user("risk"))

    assert client.post(TRADES_URL, {"trades": [_trade()]}, format="json").status_code == 201


def test_bridge_endpoints_are_in_the_openapi_schema(db, client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "post" in paths["/api/bridge/trades/"]
    assert "post" in paths["/api/bridge/snapshots/"]
    schemas = response.json()["components"]["schemas"]
    assert "profit" in schemas["TradeItem"]["properties"]


def test_a_bridge_may_name_an_account_by_its_alias(bridge, two_accounts):
    from evaluations.models import AccountAlias

    AccountAlias.objects.create(account=two_accounts[0], name="EXPRESSApr30!TopstepTrader")

    response = bridge.post(
        TRADES_URL, {"trades": [_trade(account="EXPRESSApr30!TopstepTrader")]}, format="json"
    )

    assert response.status_code == 201
    assert Trade.objects.get(ticket="500").account == two_accounts[0]


def test_a_bridge_reports_stop_loss_and_take_profit_and_none_means_unknown(bridge, two_accounts):
    body = {
        "trades": [
            _trade(stop_loss="1.07500", take_profit="1.09000"),
            _trade(ticket="501", stop_loss="0", take_profit="0"),  # a trade without a stop
            _trade(ticket="502", stop_loss=None),  # the platform does not say
            _trade(ticket="503"),
        ]
    }

    created = bridge.post(TRADES_URL, body, format="json")
    bad = bridge.post(
        TRADES_URL, {"trades": [_trade(ticket="504", stop_loss="low")]}, format="json"
    )

    assert created.status_code == 201, created.json()
    stops = dict(Trade.objects.values_list("ticket", "stop_loss"))
    assert stops == {"500": Decimal("1.075"), "501": Decimal("0"), "502": None, "503": None}
    assert Trade.objects.get(ticket="500").take_profit == Decimal("1.09")
    assert bad.status_code == 400
    assert "stop_loss" in str(bad.json())
