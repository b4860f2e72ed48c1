"""Fixtures for the import tests: accounts, fixture files, and a recorder for the recompute hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import TradingAccountFactory

FIXTURES = Path(__file__).parent / "fixtures"


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
