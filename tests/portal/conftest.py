import pytest

from tests.factories import TraderFactory
from tests.portal.builders import portfolio

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password


@pytest.fixture
def trader(db):
    return TraderFactory(email="trader@example.com")


@pytest.fixture
def other_trader(db):
    return TraderFactory(email="other@example.com")


@pytest.fixture
def accounts(trader):
    return portfolio(trader)


@pytest.fixture
def trader_client(client, trader):
    client.force_login(trader)
    return client
