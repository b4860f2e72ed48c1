"""Fixtures for the import tests: accounts, fixture files, and a recorder for the recompute hook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.factories import TradingAccountFactory

FIXTURES = Path(__file__).parent / "fixtures"
# The fixture files hold trades of 2025; the factory's accounts start at T0 (March 2026), and
# a trade opened before its account started is refused. Accounts made here start at the import
# window's earliest instant, so only the window judges a trade's time, unless a test names its
# own start.
FIXTURE_ACCOUNTS_START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def accounts_started_before_the_fixture_files(monkeypatch):
    declarations = TradingAccountFactory._meta.pre_declarations.declarations
    monkeypatch.setitem(declarations, "started_at", FIXTURE_ACCOUNTS_START)


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name


@pytest.fixture
def account(db):
    return TradingAccountFactory(login="52603751")


@pytest.fixture
def two_accounts(db):
    return TradingAccountFactory(login="8100001"), TradingAccountFactory(login="8100002")


class RecomputeRecorder:
    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def delay(self, account_ids):
        self.calls.append(list(account_ids))

    def apply_async(self, args, **options):
        self.delay(*args)


@pytest.fixture
def recompute(monkeypatch) -> RecomputeRecorder:
    """Stands in for the registered recompute task and records what the import queued."""
    from evaluations import hooks

    recorder = RecomputeRecorder()
    monkeypatch.setattr(hooks, "_recompute_task", recorder)
    return recorder
