"""Whatever the timing: eight simultaneous clicks on PostgreSQL move a request exactly once.

Each thread has its own database connection (Django connections are per thread) and closes it
at the end; a barrier releases them together so they really race for the row lock.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts.roles import FINANCE
from evaluations.models import BalanceOperation
from payouts import selectors, services
from payouts.models import PayoutAction, PayoutRequest, PayoutStatus, PayoutTransition
from tests import builders
from tests.factories import staff_user

from .conftest import PROFIT_2500

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def race(action) -> Counter:
    """Run `action(i)` in THREADS threads released at once; count how each ended."""
    barrier = threading.Barrier(THREADS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            action(i)
            outcome = "done"
        except (services.PayoutError, PermissionDenied):
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - reported through the counter
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def setup(after_cycle):
    account = builders.funded_account(daily_profits=PROFIT_2500)
    approvers = [staff_user(FINANCE, f"fin{i}@firm.example") for i in range(THREADS)]
    return account, approvers


def test_eight_simultaneous_approvals_make_one_transition_and_one_email(setup):
    account, approvers = setup
    payout = services.request_payout(account, by=account.trader)
    mail.outbox.clear()

    outcomes = race(lambda i: services.approve_payout(payout.pk, by=approvers[i]))

    assert outcomes == Counter({"done": 1, "refused": THREADS - 1})
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED
    assert PayoutTransition.objects.filter(payout=payout, action=PayoutAction.APPROVED).count() == 1
    assert payout.history.filter(status=PayoutStatus.APPROVED).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [account.trader.email]


def test_eight_simultaneous_payments_record_one_withdrawal_and_one_email(setup, recompute_calls):
    account, approvers = setup
    payout = services.request_payout(account, by=account.trader)
    services.approve_payout(payout, by=approvers[0])
    mail.outbox.clear()

    outcomes = race(
        lambda i: services.mark_payout_paid(payout.pk, by=approvers[i], reference=f"WIRE-{i}")
    )

    assert outcomes == Counter({"done": 1, "refused": THREADS - 1})
    assert BalanceOperation.objects.filter(account=account).count() == 1
    assert PayoutTransition.objects.filter(payout=payout, action=PayoutAction.PAID).count() == 1
    assert selectors.account_balance(account.pk) == account.initial_balance
    assert len(mail.outbox) == 1
    assert recompute_calls == [[account.pk]]


def test_approvals_racing_rejections_end_in_exactly_one_decision(setup):
    account, approvers = setup
    payout = services.request_payout(account, by=account.trader)

    def approve_or_reject(i: int) -> None:
        if i % 2:
            services.approve_payout(payout.pk, by=approvers[i])
        else:
            services.reject_payout(payout.pk, by=approvers[i], reason="duplicate details")

    outcomes = race(approve_or_reject)

    payout.refresh_from_db()
    decisions = PayoutTransition.objects.filter(payout=payout).exclude(
        action=PayoutAction.REQUESTED
    )
    # Either one approval stands, or one rejection (possibly after that approval: an approved
    # request may still be rejected before payment) — never two of a kind.
    assert payout.status in (PayoutStatus.APPROVED, PayoutStatus.REJECTED)
    assert set(outcomes) <= {"done", "refused"}
    assert outcomes["done"] == decisions.count()
    assert decisions.filter(action=PayoutAction.APPROVED).count() <= 1
    assert decisions.filter(action=PayoutAction.REJECTED).count() <= 1


def test_eight_simultaneous_requests_open_one(setup):
    account, _ = setup

    outcomes = race(lambda i: services.request_payout(account, by=account.trader))

    assert outcomes == Counter({"done": 1, "refused": THREADS - 1})
    assert PayoutRequest.objects.filter(account=account).count() == 1
