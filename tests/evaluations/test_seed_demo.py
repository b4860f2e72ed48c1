"""`seed_demo`: a deterministic demo firm whose account statuses agree with its trades."""

import datetime as dt
import re
import time
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from accounts import roles
from accounts.models import KycStatus, TraderProfile, User
from evaluations.models import AccountStatus, BalanceOperation, Platform, Trade, TradingAccount
from evaluations.services.demo import DEMO_PASSWORD
from evaluations.services.demo_market import LossRule, walk_limits
from tests.factories import TradingAccountFactory

pytestmark = pytest.mark.django_db
# Thirty days before this cross the European DST change (29 March 2026).
NOW = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)
CFD_SYMBOLS = {"EURUSD", "XAUUSD", "NAS100", "US30"}
FUTURES_SYMBOL = re.compile(r"^(ES|NQ|MES|MNQ|CL|GC)[FGHJKMNQUVXZ]\d$")


def seed(seed_value=7) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", "--seed", str(seed_value), stdout=out)
    return out.getvalue()


def test_the_demo_firm_has_accounts_in_every_status_and_prints_the_logins():
    started = time.monotonic()
    output = seed()
    elapsed = time.monotonic() - started

    statuses = set(TradingAccount.objects.values_list("status", flat=True))
    assert statuses == set(AccountStatus.values)
    assert TraderProfile.objects.count() == 50
    assert TraderProfile.objects.values("country").distinct().count() >= 10
    assert set(TraderProfile.objects.values_list("kyc_status", flat=True)) == set(KycStatus.values)
    admin = User.objects.get(email="admin@propdesk.local")
    assert admin.is_superuser and admin.in_role(roles.ADMINS)
    for email, role in (
        ("risk@propdesk.local", roles.RISK),
        ("finance@propdesk.local", roles.FINANCE),
        ("finance2@propdesk.local", roles.FINANCE),
        ("support@propdesk.local", roles.SUPPORT),
    ):
        assert User.objects.get(email=email).in_role(role)
    trader = User.objects.get(email="trader@propdesk.local")
    assert trader.trading_accounts.count() >= 4
    assert trader.check_password(DEMO_PASSWORD) and admin.check_password(DEMO_PASSWORD)
    for email in ("admin@", "risk@", "finance@", "finance2@", "support@", "trader@"):
        assert f"{email}propdesk.local" in output
    assert DEMO_PASSWORD in output
    assert elapsed < 20


def test_demo_trades_are_plausible_and_in_the_last_30_days():
    seed()

    trades = Trade.objects.select_related("account__program")
    assert trades.count() > 1000
    for trade in trades:
        assert NOW - dt.timedelta(days=30) <= trade.open_time <= trade.close_time < NOW
        assert trade.volume > 0
        assert trade.net == trade.profit + trade.commission + trade.swap + trade.fees
        if trade.account.program.platform == Platform.TRADOVATE:
            assert FUTURES_SYMBOL.match(trade.symbol), trade.symbol
            assert trade.volume <= 5 and trade.volume == trade.volume.to_integral_value()
        else:
            assert trade.symbol in CFD_SYMBOLS
    per_account = [a.trades.count() for a in TradingAccount.objects.all()]
    assert min(per_account) >= 1 and max(per_account) <= 60


def test_passed_accounts_lead_to_the_next_phase_unless_approval_is_pending():
    seed()

    for account in TradingAccount.objects.filter(status=AccountStatus.PASSED):
        following = TradingAccount.objects.filter(previous_account=account).first()
        if account.phase.auto_advance:
            assert following is not None, account.login
        if following is not None:
            assert following.trader == account.trader
            assert following.phase.order == account.phase.order + 1
            assert following.started_at >= account.ended_at
    waiting = TradingAccount.objects.filter(
        status=AccountStatus.PASSED, phase__auto_advance=False, next_account__isnull=True
    )
    assert waiting.exists()


def replay(account: TradingAccount):
    rules = [
        LossRule(r.code, r.params)
        for r in account.rule_set.rules.all()
        if r.code in ("max_daily_loss", "max_total_loss") and r.severity == "hard"
    ]
    trades = [
        {"close_time": t.close_time, "net_cents": int(t.net * 100)}
        for t in account.trades.order_by("close_time", "id")
    ]
    b0 = int(account.initial_balance * 100)
    phase = account.phase
    return b0, trades, walk_limits(trades, b0, rules, ZoneInfo(phase.reset_tz), phase.reset_hour)


def test_statuses_agree_with_the_trades():
    seed()

    for account in TradingAccount.objects.select_related("phase", "rule_set"):
        b0, trades, walk = replay(account)
        target = account.rule_set.rules.filter(code="profit_target").first()
        if account.status == AccountStatus.FAILED:
            assert walk.rooms[-1] < 0, account.login  # the last trade broke a limit…
            assert min(walk.rooms[:-1], default=0) >= 0  # …and nothing before it did
            assert account.ended_at == trades[-1]["close_time"]
        else:
            assert min(walk.rooms) >= 0, account.login
        if account.status == AccountStatus.PASSED:
            goal = b0 * (1 + Decimal(target.params["percent"]) / 100)
            assert walk.balances[-1] >= goal
            assert max(walk.balances[:-1]) < goal  # reached with the last trade
            assert account.ended_at == trades[-1]["close_time"]
        if account.status == AccountStatus.ACTIVE and target is not None:
            assert walk.balances[-1] < b0 * (1 + Decimal(target.params["percent"]) / 100)


def test_snapshot_balances_follow_the_trades_and_balance_operations():
    seed()

    for account in TradingAccount.objects.filter(equity_snapshots__isnull=False).distinct()[:40]:
        trades = list(account.trades.values_list("close_time", "net"))
        ops = list(BalanceOperation.objects.filter(account=account).values_list("time", "amount"))
        for snap in account.equity_snapshots.all():
            closed = sum((net for at, net in trades if at <= snap.time), Decimal(0))
            moved = sum((amount for at, amount in ops if at <= snap.time), Decimal(0))
            assert snap.balance == account.initial_balance + closed + moved


def test_running_it_again_replaces_the_demo_data_and_keeps_real_data():
    real = TradingAccountFactory(trader__email="real.trader@example.com")
    seed()
    logins = set(TradingAccount.objects.exclude(pk=real.pk).values_list("login", flat=True))
    counts = (User.objects.count(), Trade.objects.count())

    output = seed()

    assert "Replaced the previous demo data (55 demo users)" in output
    assert set(TradingAccount.objects.exclude(pk=real.pk).values_list("login", flat=True)) == logins
    assert (User.objects.count(), Trade.objects.count()) == counts
    assert TradingAccount.objects.filter(pk=real.pk).exists()


def _fingerprint() -> list[tuple]:
    return sorted(
        TradingAccount.objects.values_list("login", "status", "started_at", "ended_at")
    ) + sorted(Trade.objects.values_list("account__login", "ticket", "close_time", "net"))


def test_same_seed_and_as_of_give_the_same_firm_whatever_the_real_date():
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", "--seed", "7", "--traders", "6", "--as-of", "2026-04-10")
    first = _fingerprint()

    with time_machine.travel(dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", "--seed", "7", "--traders", "6", "--as-of", "2026-04-10")

    assert _fingerprint() == first
    as_of = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
    assert Trade.objects.exists()
    assert max(Trade.objects.values_list("close_time", flat=True)) <= as_of
