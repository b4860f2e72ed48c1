"""Staff dashboards benchmark: server time of each dashboard on 10,000 accounts / 1,000,000 trades.

    .venv/bin/python bench/reports.py [--accounts 10000 --trades 1000000 --runs 5 --seed 7]

Needs DATABASE_URL pointing at PostgreSQL. Creates a scratch database (propdesk_bench_reports),
migrates it, fills it with COPY (traders, two programs, chains of accounts phase 1 → phase 2 →
funded over the last 90 days, trades, metrics, daily metrics, violations, snapshots, paid
payouts), ANALYZEs, then in the same run times, as an admin through Django's test client
(middleware, view, queries, template: the server's whole work for a request):
- two baselines: `/healthz` (the framework's floor) and one full pass over the trades table
  (`SELECT count(*), sum(net)`: what any trade aggregate without a range would cost);
- every dashboard with its default filters, and the leaderboard over the whole 90 days;
prints the median and worst of `--runs` requests and the query count beside the 300 ms target,
then drops the scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import time
from pathlib import Path

from scratch_db import ScratchDatabase

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_NAME = "propdesk_bench_reports"
TARGET_MS = 300
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30", "NAS100")
RULES = ("max_daily_loss", "max_total_loss", "inactivity")


def copy_rows(table: str, columns: list[str], rows) -> int:
    """COPY an iterable of tuples (None → NULL) into `table`."""
    from django.db import connection

    count = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


class Firm:
    """The generated firm: deterministic for a seed and a "now"."""

    def __init__(self, seed: int, accounts: int, trades: int, now: dt.datetime):
        self.rng = random.Random(seed)
        self.target_accounts = accounts
        self.target_trades = trades
        self.now = now
        self.accounts: list[dict] = []

    def programs(self):
        from decimal import Decimal

        from evaluations.models import Phase, Program, RuleSet

        specs = (
            ("Bench 2-Step 100k", "bench-2step", "540", ("evaluation", "evaluation", "funded")),
            ("Bench 1-Step 100k", "bench-1step", "400", ("evaluation", "funded")),
        )
        result = []
        for name, slug, price, kinds in specs:
            program = Program.objects.create(
                name=name, slug=slug, account_size=Decimal("100000"), price=Decimal(price)
            )
            phases = []
            for order, kind in enumerate(kinds, start=1):
                funded = kind == "funded"
                phase = Phase.objects.create(
                    program=program,
                    order=order,
                    name="Funded" if funded else f"Phase {order}",
                    kind=kind,
                    profit_split=Decimal("80") if funded else None,
                    payout_cycle_days=14 if funded else None,
                )
                phases.append((phase, RuleSet.objects.create(phase=phase, version=1)))
            result.append((program, phases))
        return result

    def plan_accounts(self, programs, traders: int) -> None:
        """Chains of accounts until the target count: each phase active, failed or passed;
        a pass opens the next phase at the moment it ended."""
        rng, now = self.rng, self.now
        next_id = 1
        while len(self.accounts) < self.target_accounts:
            program, phases = programs[0] if rng.random() < 0.6 else programs[1]
            trader = rng.randint(2, traders + 1)
            start = now - dt.timedelta(seconds=rng.randrange(0, 90 * 86400))
            previous = None
            for phase, rule_set in phases:
                funded = phase.kind == "funded"
                roll = rng.random()
                status = (
                    ("funded" if roll < 0.85 else "failed")
                    if funded
                    else ("active" if roll < 0.35 else "failed" if roll < 0.67 else "passed")
                )
                ended = None
                if status in ("failed", "passed"):
                    ended = min(start + dt.timedelta(hours=rng.randint(48, 20 * 24)), now)
                account = {
                    "id": next_id,
                    "login": str(9_000_000 + next_id),
                    "program": program,
                    "phase": phase,
                    "rule_set": rule_set,
                    "trader": trader,
                    "status": status,
                    "started": start,
                    "ended": ended,
                    "previous": previous,
                }
                self.accounts.append(account)
                next_id += 1
                if status != "passed" or len(self.accounts) >= self.target_accounts:
                    break
                previous, start = account["id"], ended

    def account_rows(self):
        for a in self.accounts:
            yield (
                a["id"], a["login"], "100000.00", "USD", a["status"], "", a["started"],
                a["ended"], False, "", self.now, a["phase"].pk, a["previous"],
                a["program"].pk, a["rule_set"].pk, a["trader"],
            )  # fmt: skip

    def trade_rows(self):
        rng = self.rng
        accounts = self.accounts
        for n in range(self.target_trades):
            a = accounts[rng.randrange(len(accounts))]
            end = a["ended"] or self.now
            span = max(int((end - a["started"]).total_seconds()) - 60, 60)
            opened = a["started"] + dt.timedelta(seconds=rng.randrange(0, span))
            closed = min(opened + dt.timedelta(seconds=rng.randrange(60, 6 * 3600)), end)
            closed = max(closed, opened)
            volume = rng.choice(("0.10", "0.50", "1.00", "2.00"))
            yield (
                str(n), SYMBOLS[n % len(SYMBOLS)], "buy" if rng.random() < 0.5 else "sell",
                volume, opened, "1.10000", closed, "1.10100", f"{-float(volume) * 7:.2f}",
                "0.00", "0.00", f"{rng.uniform(-500, 520):.2f}", a["id"],
            )  # fmt: skip

    def open_accounts(self):
        return [a for a in self.accounts if a["status"] in ("active", "funded")]

    def metrics_rows(self):
        rng = self.rng
        for a in self.open_accounts():
            balance = 100000 + rng.uniform(-6000, 9000)
            yield (
                a["id"], "equity_snapshots", f"{balance:.2f}", f"{balance:.2f}",
                f"{max(balance, 100000):.2f}", f"{balance - 100000:.2f}", "0.00",
                100, 20, 55, 45, "0.00", "0.00", "0.00", "50.0000", f"{balance:.2f}",
                f"{balance - 5000:.2f}", "90000.00", f"{rng.uniform(0, 5000):.2f}",
                f"{rng.uniform(0, 10000):.2f}", "[]", False, None, 0, self.now, self.now,
            )  # fmt: skip

    def violation_rows(self):
        rng = self.rng
        for a in self.accounts:
            if a["status"] == "failed":
                code = rng.choice(RULES)
                yield (
                    code, "hard", f"{code}:{a['ended']:%Y-%m-%d}", "95000", "94000", "money",
                    a["ended"], a["ended"].date(), "limit broken", "{}", True, "open",
                    self.now, a["id"],
                )  # fmt: skip
            if rng.random() < 0.05:
                when = a["ended"] or self.now - dt.timedelta(hours=rng.randint(1, 48))
                yield (
                    "news_trading", "soft", f"news_trading:{when:%Y%m%d%H%M%S}", "2", "1",
                    "minutes", when, when.date(), "traded the news", "{}", False, "open",
                    self.now, a["id"],
                )  # fmt: skip

    def snapshot_rows(self):
        rng = self.rng
        for a in self.open_accounts():
            for k in range(12):
                at = self.now - dt.timedelta(hours=4 * k + 2)
                if at < a["started"]:
                    break
                balance = 100000 + rng.uniform(-3000, 3000)
                yield (at, f"{balance:.2f}", f"{balance + rng.uniform(-800, 800):.2f}", a["id"])

    def payouts(self, admin_id: int):
        """One paid payout on 60% of funded accounts: (withdrawal rows, payout rows)."""
        rng = self.rng
        operations, payouts = [], []
        funded = [a for a in self.accounts if a["status"] == "funded"]
        for n, a in enumerate(a for a in funded if rng.random() < 0.6):
            paid_at = a["started"] + (self.now - a["started"]) * 0.8
            amount = rng.uniform(200, 5000)
            op_id = n + 1
            operations.append(
                (
                    op_id,
                    "withdrawal",
                    f"{-amount:.2f}",
                    paid_at,
                    "payout",
                    f"P{op_id}",
                    self.now,
                    a["id"],
                )  # fmt: skip
            )
            payouts.append(
                ("paid", "USD", f"{amount:.2f}", f"{amount:.2f}", "80.00",
                 f"{int(amount * 80) / 100:.2f}", a["started"], paid_at, paid_at, "",
                 paid_at, f"REF{op_id}", a["id"], admin_id, admin_id, a["trader"], op_id)
            )  # fmt: skip
        return operations, payouts


DAILY_SQL = """
INSERT INTO risk_dailymetrics (account_id, day, start_balance, start_equity, end_balance,
    end_equity, reference, daily_floor, total_floor, min_equity, net, trades_opened,
    trades_closed, lots)
SELECT account_id, (close_time AT TIME ZONE 'UTC')::date, 100000, 100000, 100000, 100000,
       100000, 95000, 90000, 99000, SUM(profit + commission + swap + fees), COUNT(*), COUNT(*),
       SUM(volume)
FROM evaluations_trade GROUP BY 1, 2
"""


def daily_metrics_from_trades() -> int:
    """One row per account and UTC day that closed trades, as the risk engine stores them
    (balances are placeholders: the dashboards read the day's net, trades and lots)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DAILY_SQL)
        return cursor.rowcount


def fill(firm: Firm) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import User

    admin = User.objects.create_superuser("admin@bench.example", "bench-pass")
    traders = firm.target_accounts
    password = make_password(None)
    counts = {}
    started = time.perf_counter()
    counts["traders"] = copy_rows(
        "accounts_user",
        [
            "id",
            "password",
            "is_superuser",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "date_joined",
            "email",
        ],  # fmt: skip
        (
            (uid, password, False, "T", str(uid), False, True, firm.now, f"t{uid}@bench.example")
            for uid in range(2, traders + 2)
        ),
    )
    firm.plan_accounts(firm.programs(), traders)
    counts["accounts"] = copy_rows(
        "evaluations_tradingaccount",
        [
            "id",
            "login",
            "initial_balance",
            "currency",
            "status",
            "status_reason",
            "started_at",
            "ended_at",
            "needs_review",
            "broker_server",
            "created_at",
            "phase_id",
            "previous_account_id",
            "program_id",
            "rule_set_id",
            "trader_id",
        ],  # fmt: skip
        firm.account_rows(),
    )
    counts["trades"] = copy_rows(
        "evaluations_trade",
        [
            "ticket",
            "symbol",
            "side",
            "volume",
            "open_time",
            "open_price",
            "close_time",
            "close_price",
            "commission",
            "swap",
            "fees",
            "profit",
            "account_id",
        ],  # fmt: skip
        firm.trade_rows(),
    )
    counts["account metrics"] = copy_rows(
        "risk_accountmetrics",
        [
            "account_id",
            "basis",
            "balance",
            "equity",
            "hwm",
            "net_profit",
            "max_drawdown",
            "trades",
            "trading_days",
            "wins",
            "losses",
            "gross_profit",
            "gross_loss",
            "best_day_net",
            "lots",
            "day_reference",
            "daily_floor",
            "total_floor",
            "room_daily",
            "room_total",
            "objectives",
            "objectives_met",
            "last_trade_open_at",
            "trades_watermark",
            "evaluated_as_of",
            "computed_at",
        ],  # fmt: skip
        firm.metrics_rows(),
    )
    counts["daily metrics"] = daily_metrics_from_trades()
    counts["violations"] = copy_rows(
        "risk_violation",
        ["rule_code", "severity", "key", "threshold", "observed", "unit", "time", "day",
         "message", "evidence", "failed_account", "status", "created_at", "account_id"],
        firm.violation_rows(),
    )  # fmt: skip
    counts["snapshots"] = copy_rows(
        "evaluations_equitysnapshot",
        ["time", "balance", "equity", "account_id"],
        firm.snapshot_rows(),
    )
    operations, payouts = firm.payouts(admin.pk)
    copy_rows(
        "evaluations_balanceoperation",
        ["id", "kind", "amount", "time", "reason", "reference", "created_at", "account_id"],
        operations,
    )
    counts["paid payouts"] = copy_rows(
        "payouts_payoutrequest",
        [
            "status",
            "currency",
            "eligible_amount",
            "amount",
            "split_percent",
            "trader_share",
            "cycle_start",
            "requested_at",
            "approved_at",
            "rejection_reason",
            "paid_at",
            "payment_reference",
            "account_id",
            "approved_by_id",
            "paid_by_id",
            "requested_by_id",
            "withdrawal_id",
        ],  # fmt: skip
        payouts,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return {"admin": admin, "counts": counts}


def _get(client, url: str):
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)  # a CSV's rows are produced while it streams
    return response


def time_request(client, url: str, runs: int) -> tuple[float, float, int, int]:
    """(median ms, worst ms, queries, status) over `runs` requests after one warm-up."""
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        _get(client, url)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = _get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples), len(queries), response.status_code


def time_sql(sql: str, runs: int) -> float:
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--trades", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    scratch = ScratchDatabase(SCRATCH_NAME, "bench/reports.py")
    scratch.recreate()
    missed = True
    try:
        scratch.setup_django()
        from django.db.models import Count
        from django.test import Client
        from django.utils import timezone

        from accounts.staff_mfa import SESSION_KEY as SECOND_FACTOR_SESSION_KEY
        from evaluations.models import TradingAccount

        firm = Firm(args.seed, args.accounts, args.trades, timezone.now())
        filled = fill(firm)
        counts = filled.pop("counts")
        print("filled in", counts.pop("seconds"), "s:",
              ", ".join(f"{v:,} {k}" for k, v in counts.items()))  # fmt: skip

        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(filled["admin"])
        # As if the admin had typed their authenticator code (staff pages need it).
        session = client.session
        session[SECOND_FACTOR_SESSION_KEY] = time.time()
        session.save()
        busiest = (
            TradingAccount.objects.values("trader_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("trader_id", flat=True)
            .first()
        )
        ninety = (firm.now - dt.timedelta(days=90)).date().isoformat()
        out = io.StringIO()
        out.write(f"{'request':<44} {'median ms':>10} {'worst ms':>9} {'queries':>8}\n")
        health = time_request(client, "/healthz", args.runs)
        out.write(f"{'baseline: /healthz':<44} {health[0]:10.1f} {health[1]:9.1f} {health[2]:8}\n")
        scan = time_sql("SELECT count(*), sum(net) FROM evaluations_trade", args.runs)
        out.write(f"{'baseline: SELECT count, sum(net) of trades':<44} {scan:10.1f}\n")
        pages = [
            ("risk monitor (today)", "/staff/risk/"),
            ("risk monitor panel (htmx poll)", "/staff/risk/panel/"),
            ("program funnel (183 days)", "/staff/funnel/"),
            ("money (365 days)", "/staff/money/"),
            ("leaderboard (30 days)", "/staff/traders/"),
            ("leaderboard (all 90 days)", f"/staff/traders/?start={ninety}"),
            ("trader detail (busiest trader)", f"/staff/traders/{busiest}/"),
            ("CSV: leaderboard, 90 days", f"/staff/export/leaderboard.csv?start={ninety}"),
        ]
        worst = 0.0
        for label, path in pages:
            median, slowest, queries, status = time_request(client, path, args.runs)
            assert status == 200, (path, status)
            if not label.startswith("CSV"):
                worst = max(worst, median)
            out.write(f"{label:<44} {median:10.1f} {slowest:9.1f} {queries:8}\n")
        print(out.getvalue(), end="")
        verdict = "met" if worst <= TARGET_MS else "MISSED"
        print(f"slowest dashboard median {worst:.1f} ms: target ≤ {TARGET_MS} ms {verdict}")
        missed = worst > TARGET_MS
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            scratch.drop()
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
