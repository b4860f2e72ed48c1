"""Fixtures for the import tests: accounts, fixture files, and a recorder for the recompute hook."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from imports import service
from imports.orm_path import OrmWriter
from tests.factories import TradingAccountFactory

FIXTURES = Path(__file__).parent / "fixtures"
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
PATHS = ["copy", "orm"] if ON_POSTGRESQL else ["orm"]


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name


@pytest.fixture(params=PATHS)
def write_path(request, monkeypatch):
    """The COPY path where the database is PostgreSQL; the ORM path called on any database."""
    if request.param == "orm":
        monkeypatch.setattr(service, "CopyWriter", OrmWriter)
    return request.param


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
