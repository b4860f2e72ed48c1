"""Programs loaded from the shipped specs, as the firm would load them."""

from pathlib import Path

import pytest
from django.conf import settings

from evaluations.program_spec import read_program_spec
from evaluations.services.accounts import open_account
from evaluations.services.programs import load_program
from tests.factories import TraderFactory

PROGRAMS_DIR = Path(settings.BASE_DIR) / "programs"


def load_shipped(name: str):
    return load_program(read_program_spec(PROGRAMS_DIR / name), source=name).program


@pytest.fixture
def ftmo(db):
    """2-Step 100k: Phase 1 (auto-advance) → Phase 2 (approval needed) → Funded."""
    return load_shipped("ftmo-2step-100k.yaml")


@pytest.fixture
def one_step(db):
    return load_shipped("one-step-100k-eod.yaml")


@pytest.fixture
def futures(db):
    return load_shipped("futures-combine-50k.yaml")


@pytest.fixture
def waiting_for_approval(ftmo):
    """A passed Phase 2 account: Phase 2 does not auto-advance, the risk desk approves."""
    account = open_account(TraderFactory(), ftmo, phase=ftmo.phases.get(order=2), notify=False)
    account.mark_passed(at=account.started_at, reason="Profit target reached")
    account.save()
    return account
