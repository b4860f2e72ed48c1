"""`seed_demo`: a deterministic demo firm run through the product: imported trades, judged by the
risk engine, payouts through the payout services."""

import datetime as dt
import re
import time
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import roles
from accounts.models import KycStatus, TraderProfile, User
from demo.seed import DEMO_PASSWORD
from evaluations.models import (
    AccountStatus,
    BalanceOperation,
    Certificate,
    ImportBatch,
    ImportStatus,
    Platform,
    Trade,
    TradingAccount,
)
from payouts.models import PayoutRequest, PayoutStatus, PayoutTransition
from payouts.selectors import account_balance, payout_queue
from payouts.services import approve_payout, mark_payout_paid
from reports.selectors import ReportFilter, failing_rules, violations_by_rule
from risk import notifications
from risk.models import AccountMetrics, Violation
from risk.tasks import send_violation_notification
from tests.factories import TradingAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_settings(settings):
    settings.DEBUG = True  # seed_demo refuses to run without it


# Thirty days before this cross the European DST change (29 March 2026).
NOW = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)
CFD_SYMBOLS = {"EURUSD", "XAUUSD", "NAS100", "US30"}
FUTURES_SYMBOL = re.compile(r"^(ES|NQ|MES|MNQ|CL|GC)[FGHJKMNQUVXZ]\d$")


def seed(seed_value=7, *, override=False) -> str:
    out = StringIO()
    flags = ["--i-know-this-deletes-demo-users"] if override else []
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", "--seed", str(seed_value), *flags, stdout=out)
    return out.getvalue()


def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only with DEBUG on"):
        seed()

    assert not User.objects.exists()


def test_it_refuses_a_database_with_other_users_unless_told_loudly():
    real = User.objects.create_user(email="ops@realfirm.com", password="x")  # noqa: S106

    with pytest.raises(CommandError, match="1 user.* not demo users.*i-know-this"):
        seed()

    assert list(User.objects.all()) == [real]
    seed(override=True)
    assert User.objects.filter(email="trader@propdesk.local").exists()


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
        ("payments@propdesk.local", roles.FINANCE),
        ("support@propdesk.local", roles.SUPPORT),
    ):
        assert User.objects.get(email=email).in_role(role)
    trader = User.objects.get(email="trader@propdesk.local")
    assert trader.trading_accounts.count() >= 4
    assert trader.check_password(DEMO_PASSWORD) and admin.check_password(DEMO_PASSWORD)
    for email in ("admin@", "risk@", "finance@", "finance2@", "payments@", "support@", "trader@"):
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
    # the pass issued each passed account's certificate, and each paid payout has one
    passed = TradingAccount.objects.filter(status=AccountStatus.PASSED)
    assert passed.exists()
    for account in passed:
        assert account.certificates.filter(kind="phase_passed").count() == 1, account.login
    paid = PayoutRequest.objects.filter(status="paid")
    assert paid.exists()
    for payout in paid:
        certificate = Certificate.objects.get(event_key=f"payout:{payout.pk}")
        assert certificate.amount == payout.trader_share


def test_the_engine_decided_every_status_from_the_imported_trades():
    seed()

    # Every trade and snapshot came in through the import service.
    batches = ImportBatch.objects.all()
    assert batches.exists() and set(batches.values_list("status", flat=True)) == {
        ImportStatus.COMMITTED
    }
    assert Trade.objects.filter(import_batch__isnull=True).count() == 0
    for account in TradingAccount.objects.select_related("phase"):
        failing = list(account.violations.filter(failed_account=True))
        if account.status == AccountStatus.FAILED:
            # Failed by the engine at its first hard breach, which it marked.
            assert len(failing) == 1, account.login
            assert failing[0].severity == "hard" and account.ended_at == failing[0].time
            # (a daily and a total loss limit can break on the same trade: either is first)
            first_hard = account.violations.filter(severity="hard").order_by("time").first()
            assert first_hard.time == failing[0].time
        else:
            assert failing == [], account.login
        if account.status == AccountStatus.PASSED:
            metrics = AccountMetrics.objects.get(account=account)
            assert metrics.objectives_met and not account.violations.filter(severity="hard")
            # Passed with the trade that met the last objective: none after it.
            assert not account.trades.filter(close_time__gt=account.ended_at).exists()
            following = TradingAccount.objects.filter(previous_account=account).first()
            assert following is not None or not account.phase.auto_advance
    assert AccountStatus.FAILED in set(TradingAccount.objects.values_list("status", flat=True))


def test_the_funnel_the_risk_monitor_and_the_failed_trader_email_see_the_demo_failures(
    mailoutbox,
):
    seed()

    failed = TradingAccount.objects.filter(status=AccountStatus.FAILED)
    assert failed.count() >= 5
    window = ReportFilter(start=(NOW - dt.timedelta(days=31)).date(), end=NOW.date())
    # "Which rule fails most traders" counts each failed account under its failing rule.
    by_rule = list(failing_rules(window))
    assert sum(row["accounts"] for row in by_rule) == failed.count()
    assert {row["rule_code"] for row in by_rule} <= {"max_daily_loss", "max_total_loss"}
    # The risk monitor's violations by rule count the failed accounts too.
    assert sum(row["failed_accounts"] for row in violations_by_rule(window)) == failed.count()

    # Seeding mailed nobody: the failing violations count as told, to the trader as well…
    failing = Violation.objects.filter(failed_account=True).select_related("account__trader")
    assert all(v.notified_at and v.trader_notified_at for v in failing) and mailoutbox == []
    # …but the failed-trader email is wired to them: unclaimed, one goes to its trader.
    violation = failing.first()
    Violation.objects.filter(pk=violation.pk).update(trader_notified_at=None)
    assert send_violation_notification(violation.pk) == {"risk_desk": False, "trader": True}
    assert [m.to for m in mailoutbox] == [[violation.account.trader.email]]
    assert f"{violation.account.login} has failed" in mailoutbox[0].subject
    assert notifications.notify_trader(violation.pk) is False  # once only


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
    seed(override=True)
    logins = set(TradingAccount.objects.exclude(pk=real.pk).values_list("login", flat=True))
    counts = (User.objects.count(), Trade.objects.count())

    output = seed(override=True)

    # 50 traders, 6 staff and the demo platform bridge
    assert "Replaced the previous demo data (57 demo users)" in output
    assert set(TradingAccount.objects.exclude(pk=real.pk).values_list("login", flat=True)) == logins
    assert (User.objects.count(), Trade.objects.count()) == counts
    assert TradingAccount.objects.filter(pk=real.pk).exists()


def _fingerprint() -> list[tuple]:
    return (
        sorted(TradingAccount.objects.values_list("login", "status", "started_at", "ended_at"))
        + sorted(Trade.objects.values_list("account__login", "ticket", "close_time", "net"))
        + sorted(BalanceOperation.objects.values_list("account__login", "kind", "amount", "time"))
        + sorted(
            PayoutRequest.objects.values_list(
                "account__login",
                "status",
                "amount",
                "trader_share",
                "requested_at",
                "approved_by__email",
                "approved_at",
                "paid_at",
                "payment_reference",
                "rejection_reason",
            )
        )
        + sorted(
            PayoutTransition.objects.values_list(
                "payout__account__login", "action", "by__email", "at"
            )
        )
    )


def test_same_seed_and_as_of_give_the_same_firm_whatever_the_real_date():
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", "--seed", "7", "--traders", "6", "--as-of", "2026-04-10")
    first = _fingerprint()

    with time_machine.travel(dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", "--seed", "7", "--traders", "6", "--as-of", "2026-04-10")

    assert _fingerprint() == first
    as_of = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
    assert Trade.objects.exists() and PayoutRequest.objects.exists()
    assert max(Trade.objects.values_list("close_time", flat=True)) <= as_of


def _profit_at(account: TradingAccount, at: dt.datetime, *, operations_before=False) -> Decimal:
    """balance − B0 from the ledger as it stood at `at`: trades closed and operations by then
    (operations strictly before `at` with `operations_before`)."""
    closed = sum(account.trades.filter(close_time__lte=at).values_list("net", flat=True))
    operations = BalanceOperation.objects.filter(account=account)
    operations = (
        operations.filter(time__lt=at) if operations_before else operations.filter(time__lte=at)
    )
    return closed + sum(operations.values_list("amount", flat=True))


EXPECTED_STEPS = {
    PayoutStatus.PAID: ["requested", "approved", "paid"],
    PayoutStatus.APPROVED: ["requested", "approved"],
    PayoutStatus.REQUESTED: ["requested"],
    PayoutStatus.REJECTED: ["requested", "rejected"],
}


def test_demo_payouts_went_through_the_services_and_agree_with_the_ledger(
    django_capture_on_commit_callbacks, mailoutbox, settings
):
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True) as after_commit,
    ):
        output = StringIO()
        call_command("seed_demo", "--seed", "7", stdout=output)
    output = output.getvalue()

    payouts = list(
        PayoutRequest.objects.select_related("account__phase", "withdrawal").order_by("pk")
    )
    statuses = Counter(p.status for p in payouts)
    assert set(statuses) == {"paid", "approved", "requested", "rejected"}
    assert f"{len(payouts)} payout requests (" in output
    assert f"{statuses['approved'] + statuses['requested']} open in the finance queue" in output
    finance = set(User.objects.filter(groups__name=roles.FINANCE))
    threshold = settings.PAYOUT_SECOND_APPROVER_THRESHOLD
    for payout in payouts:
        account, phase = payout.account, payout.account.phase
        # Requested once the payout cycle had elapsed, sized on the profit of that moment.
        cycle = dt.timedelta(days=phase.payout_cycle_days)
        assert payout.requested_at >= payout.cycle_start + cycle, payout.pk
        assert payout.eligible_amount == _profit_at(account, payout.requested_at)
        assert Decimal(0) < payout.amount <= payout.eligible_amount
        steps = list(payout.transitions.order_by("at", "pk"))
        actions = [t.action for t in steps if t.action != "first_approval"]
        assert actions == EXPECTED_STEPS[payout.status], payout.pk
        fields = ("requested_at", "first_approved_at", "approved_at", "paid_at", "decided_at")
        moments = [getattr(payout, f) for f in fields if getattr(payout, f) is not None]
        assert moments == sorted(set(moments)), payout.pk  # one step after the other
        assert steps[0].by == account.trader == payout.requested_by
        assert {t.by for t in steps[1:]} <= finance  # four-eyes: only finance acts on it
        assert all(t.notified_at == t.at for t in steps)  # history, not news: no emails
        assert NOW - dt.timedelta(days=30) < payout.requested_at and steps[-1].at < NOW
        if payout.status in (PayoutStatus.APPROVED, PayoutStatus.PAID):
            two = payout.trader_share > threshold
            assert (payout.first_approved_by is not None) == two
            assert payout.approved_by not in (payout.requested_by, payout.first_approved_by)
        if payout.status == PayoutStatus.REJECTED:
            assert payout.rejection_reason and payout.decided_by in finance
        if payout.status == PayoutStatus.PAID:
            withdrawal = payout.withdrawal
            assert (withdrawal.kind, withdrawal.amount) == ("withdrawal", -payout.amount)
            assert (withdrawal.time, withdrawal.reference) == (
                payout.paid_at,
                f"payout:{payout.pk}",
            )
            assert payout.payment_reference and payout.paid_by in finance
            # The profit was still there when finance paid it.
            assert _profit_at(account, payout.paid_at, operations_before=True) >= payout.amount
        if payout.is_open:
            # Asked after the last trade: the requested profit is still on the account.
            last_close = max(account.trades.values_list("close_time", flat=True))
            assert payout.requested_at > last_close
            assert account_balance(account.pk) - account.initial_balance >= payout.amount

    # The metrics follow the withdrawals: balance = B0 + trades + balance operations.
    for account in TradingAccount.objects.filter(payout_requests__status="paid").distinct():
        metrics = AccountMetrics.objects.get(account=account)
        trades = sum(account.trades.values_list("net", flat=True))
        operations = BalanceOperation.objects.filter(account=account)
        withdrawn = sum(operations.filter(kind="withdrawal").values_list("amount", flat=True))
        assert withdrawn < 0
        assert metrics.balance == account_balance(account.pk)
        assert metrics.balance == account.initial_balance + trades + sum(
            operations.values_list("amount", flat=True)
        )
        for snapshot in account.equity_snapshots.all():
            moved = sum(o.amount for o in operations if o.time <= snapshot.time)
            closed = sum(
                account.trades.filter(close_time__lte=snapshot.time).values_list("net", flat=True)
            )
            assert snapshot.balance == account.initial_balance + closed + moved

    trader = User.objects.get(email="trader@propdesk.local")
    assert PayoutRequest.objects.filter(account__trader=trader, status="paid").exists()
    assert PayoutRequest.objects.filter(account__trader=trader, status="rejected").exists()
    # The two-approver path is visible: a request above the threshold has its first approval
    # and waits in the queue for a second, different finance approver.
    waiting = payout_queue().filter(
        status=PayoutStatus.REQUESTED, trader_share__gt=threshold, first_approved_by__isnull=False
    )
    assert waiting.exists() and "waiting for a second approver" in output
    assert payout_queue().count() == statuses["approved"] + statuses["requested"] >= 1
    # The emails queued after commit ran and found nothing to send; the recompute after each
    # payment ran too.
    assert len(after_commit) >= len(payouts) and mailoutbox == []


def test_finance_can_work_the_demo_queue():
    seed()
    approvers = {u.email: u for u in User.objects.filter(groups__name=roles.FINANCE)}

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        for payout in payout_queue():
            if payout.status == PayoutStatus.REQUESTED:
                done = {payout.first_approved_by_id}
                for user in approvers.values():
                    if user.pk not in done and payout.status == PayoutStatus.REQUESTED:
                        payout = approve_payout(payout, by=user)
            # PAYOUT_APPROVER_MAY_PAY is off: someone who did not approve it pays
            approved = {payout.first_approved_by_id, payout.approved_by_id}
            payer = next(u for u in approvers.values() if u.pk not in approved)
            paid = mark_payout_paid(payout, by=payer, reference="R1")
            assert paid.status == PayoutStatus.PAID

    assert not payout_queue().exists()


def test_the_demo_trader_has_a_live_record_the_portal_shows(client):
    from evaluations.models import PlatformCommand
    from live.models import EquityMinute, LimitAlert

    output = seed()
    assert "Live risk: the demo trader's accounts run on the bridge demo-mt5" in output
    trader = User.objects.get(email="trader@propdesk.local")
    minutes = EquityMinute.objects.filter(account__trader=trader)
    assert minutes.count() == 240
    alert = LimitAlert.objects.get(account__trader=trader)
    assert (alert.limit, alert.level) == ("daily", 80)
    assert alert.floor < alert.equity
    live_account = alert.account
    client.force_login(trader)
    page = client.get(f"/trading/{live_account.login}/")
    names = [t["name"] for t in page.context["figures"]["balance"]["data"]]
    assert "Live equity range (low to high)" in names
    commands = PlatformCommand.objects.filter(account__trader=trader)
    assert commands.exists()
    for command in commands:
        assert command.account.status == "failed"
        assert command.status == "done"
