"""The daily pause end to end: the account is not failed, the trader's page says until when it
is paused (in the program's zone), and the stored S/L reaches the stop-loss rule."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from evaluations.models import AccountStatus
from tests.builders import evaluate
from tests.factories import T0, TraderFactory
from tests.risk.builders import account_in, trade, two_phase_program

pytestmark = pytest.mark.django_db

PAUSE = ("max_daily_loss", "hard", {"percent": "5", "on_breach": "pause_until_reset"})


def test_a_trade_opened_while_paused_fails_the_account_and_stored_stop_loss_is_judged():
    trader = TraderFactory(email="paused@example.com")
    program = two_phase_program([PAUSE, ("stop_loss_required", "soft", {})])
    account = account_in(program, trader=trader, login="8800001")
    loser = trade(account, "-5000.01", hours=2)
    loser.stop_loss = Decimal("0")
    loser.save(update_fields=["stop_loss"])
    late = trade(account, "10.00", hours=3, duration=0.5)  # S/L unknown: not a violation
    now = T0 + dt.timedelta(hours=4)
    evaluate(account, as_of=now)
    account.refresh_from_db()
    assert account.status == AccountStatus.FAILED
    assert sorted(account.violations.values_list("key", "severity")) == [
        ("max_daily_loss:2026-03-02", "soft"),
        (f"max_daily_loss:paused:trade:{late.id}", "hard"),
        (f"stop_loss_required:trade:{loser.id}", "soft"),
    ]


def test_paused_line_on_the_account_page(client):
    trader = TraderFactory(email="paused2@example.com")
    program = two_phase_program([PAUSE])
    account = account_in(program, trader=trader, login="8800002")
    trade(account, "-5000.01", hours=2)
    evaluate(account, as_of=T0 + dt.timedelta(hours=3))
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    client.force_login(trader)
    url = reverse("portal:account", args=[account.login])
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        html = client.get(url).content.decode()
    assert "Paused until <strong>Tue 3 Mar, 00:00 UTC</strong>" in html
    with time_machine.travel(T0 + dt.timedelta(days=1, hours=1), tick=False):
        html = client.get(url).content.decode()
    assert "Paused until" not in html
