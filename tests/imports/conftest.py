"""Fixtures for the import tests: accounts, fixture files, and a recorder for the recompute hook."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from django.conf import settings

from evaluations.imports import service
from evaluations.imports.orm_path import OrmWriter
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
    """Stands in for `risk.tasks.recompute_accounts` and records what the import queued."""
    import risk

    recorder = RecomputeRecorder()
    fake_tasks = types.ModuleType("risk.tasks")
    fake_tasks.recompute_accounts = recorder
    monkeypatch.setitem(sys.modules, "risk.tasks", fake_tasks)
    monkeypatch.setattr(risk, "tasks", fake_tasks, raising=False)
    return recorder
