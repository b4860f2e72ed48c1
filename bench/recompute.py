"""Recompute benchmark: the risk engine over 10,000 accounts × 100 trades, and the incremental
evaluation of one new trade on an account with 10,000 trades of history, each beside a plain
SQL baseline measured in the same run.

    DATABASE_URL=postgres://root@127.0.0.1:5432/propdesk .venv/bin/python bench/recompute.py

Creates a scratch database (propdesk_bench_recompute) on the server of DATABASE_URL, migrates
it, fills it with COPY, measures, and drops it. Targets (PRODUCT.md §5): full recompute ≤ 10 s
end to end (read, compute, write), incremental ≤ 50 ms. Notifications are not sent (they are
queued after commit and sent by workers; not part of the recompute).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "propdesk_bench_recompute"
T0 = dt.datetime(2026, 1, 5, 7, 0, tzinfo=dt.UTC)  # a Monday


def _server_url() -> str:
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/propdesk"))
    if not url.scheme.startswith("postgres"):
        sys.exit("bench/recompute.py needs a PostgreSQL DATABASE_URL")
    return f"{url.scheme}://{url.netloc}"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_server_url() + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{_server_url()}/{BENCH_DB}"
    os.environ.setdefault("DEBUG", "true")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _program():
    from accounts.models import User
    from evaluations.models import Phase, Program, Rule, RuleSet

    trader = User.objects.create_user("bench.trader@example.com")
    program = Program.objects.create(
        name="Bench 100k", slug="bench-100k", account_size="100000.00", price="500.00"
    )
    phase = Phase.objects.create(
        program=program,
        order=1,
        name="Phase 1",
        kind="evaluation",
        reset_tz="Europe/Prague",
        reset_hour=0,
        auto_advance=False,
    )
    rule_set = RuleSet.objects.create(phase=phase, version=1)
    for code, severity, params in (
        ("max_daily_loss", "hard", {"percent": "5"}),
        ("max_total_loss", "hard", {"percent": "10", "mode": "trailing_eod"}),
        ("profit_target", "soft", {"percent": "10"}),
        ("min_trading_days", "soft", {"days": 4}),
        ("consistency", "soft", {"percent": "40"}),
        ("max_position_size", "hard", {"max_volume": "20"}),
        ("weekend_holding", "soft", {}),
    ):
        Rule.objects.create(rule_set=rule_set, code=code, severity=severity, params=params)
    return trader, program, phase, rule_set


def _copy_accounts(cursor, trader, program, phase, rule_set, logins: list[str]) -> list[int]:
    columns = (
        "login, trader_id, program_id, phase_id, rule_set_id, initial_balance, currency, status, "
        "status_reason, started_at, needs_review, broker_server, created_at"
    )
    with cursor.copy(f"COPY evaluations_tradingaccount ({columns}) FROM STDIN") as copy:
        for login in logins:
            copy.write_row(
                (
                    login,
                    trader.pk,
                    program.pk,
                    phase.pk,
                    rule_set.pk,
                    "100000.00",
                    "USD",
                    "active",
                    "",
                    T0,
                    False,
                    "",
                    T0,
                )
            )
    cursor.execute(
        "SELECT id FROM evaluations_tradingaccount WHERE login = ANY(%s) ORDER BY id", [logins]
    )
    return [r[0] for r in cursor.fetchall()]


def _copy_trades(cursor, account_ids: list[int], per_account: int, spacing_s: int, seed: int):
    """`per_account` trades per account, one every `spacing_s` seconds on average, weekdays
    only, nets drawn so that most accounts neither fail nor pass."""
    rng = random.Random(seed)
    columns = (
        "account_id, ticket, symbol, side, volume, open_time, open_price, close_time, "
        "close_price, commission, swap, fees, profit"
    )
    symbols = ("EURUSD", "GBPUSD", "XAUUSD", "NAS100", "USDJPY")
    with cursor.copy(f"COPY evaluations_trade ({columns}) FROM STDIN") as copy:
        for account_id in account_ids:
            moment = T0
            for n in range(per_account):
                moment += dt.timedelta(seconds=rng.randint(spacing_s // 2, spacing_s * 3 // 2))
                if moment.weekday() >= 5:  # skip the weekend
                    moment += dt.timedelta(days=7 - moment.weekday())
                held = dt.timedelta(seconds=rng.randint(60, max(120, spacing_s // 2)))
                copy.write_row(
                    (
                        account_id,
                        str(n + 1),
                        rng.choice(symbols),
                        rng.choice(("buy", "sell")),
                        f"{rng.randint(1, 100) / 10:.2f}",
                        moment,
                        "1.10000000",
                        moment + held,
                        "1.10100000",
                        "-3.50",
                        "0.00",
                        "0.00",
                        f"{rng.gauss(15, 180):.2f}",
                    )
                )


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def run(accounts: int, trades: int, history: int) -> None:
    from django.db import connection, transaction

    from risk.engine.evaluate import evaluate
    from risk.models import AccountMetrics, DailyMetrics, Violation
    from risk.services import trade_checkpoint
    from risk.services.evaluation import evaluate_account, evaluate_accounts
    from risk.services.loading import iter_accounts
    from risk.services.parallel import evaluate_accounts_in_processes

    print(f"load average before the run: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    trader, program, phase, rule_set = _program()
    with connection.cursor() as cursor:
        started = time.perf_counter()
        ids = _copy_accounts(
            cursor, trader, program, phase, rule_set, [f"B{n:07d}" for n in range(accounts)]
        )
        # 100 trades over about four weeks of weekdays
        _copy_trades(cursor, ids, trades, spacing_s=4 * 3600, seed=1)
        (big_id,) = _copy_accounts(cursor, trader, program, phase, rule_set, ["BIG0000001"])
        # 10,000 trades over about a year: 40 a trading day
        _copy_trades(cursor, [big_id], history, spacing_s=1800, seed=2)
        cursor.execute("ANALYZE")
        print(
            f"setup: {accounts:,} accounts × {trades} trades + 1 × {history:,} "
            f"by COPY in {time.perf_counter() - started:.1f} s"
        )
    as_of = T0 + dt.timedelta(days=40)

    # Baseline: the database alone computing every running balance.
    with connection.cursor() as cursor:
        base_full, _ = _timed(
            lambda: (
                cursor.execute(
                    "SELECT count(*), min(rb) FROM (SELECT sum(net) OVER (PARTITION BY "
                    "account_id ORDER BY close_time, id) AS rb FROM evaluations_trade "
                    "WHERE account_id <> %s) s",
                    [big_id],
                ),
                cursor.fetchone(),
            )
        )

    def read_only():
        with transaction.atomic():
            return sum(len(a.trades) for _, a in iter_accounts(ids, as_of=as_of))

    read_s, read_trades = _timed(read_only)
    with transaction.atomic():
        loaded = [a for _, a in iter_accounts(ids[:2000], as_of=as_of)]
    engine_s, _ = _timed(lambda: [evaluate(a) for a in loaded])
    processes = os.cpu_count() or 1
    full_s, report = _timed(
        lambda: evaluate_accounts_in_processes(ids, processes=processes, as_of=as_of, notify=False)
    )
    again_s, _ = _timed(
        lambda: evaluate_accounts_in_processes(ids, processes=processes, as_of=as_of, notify=False)
    )
    serial_s, _ = _timed(lambda: evaluate_accounts(ids, as_of=as_of, notify=False))
    print(
        f"full recompute: {len(ids):,} accounts, {read_trades:,} trades: {full_s:.2f} s end to end"
        f" on {processes} processes (target ≤ 10 s); {report.accounts:,} evaluated, "
        f"{Violation.objects.count():,} violations, {len(report.failed):,} failed, "
        f"{len(report.passed):,} passed; {AccountMetrics.objects.count():,} account rows, "
        f"{DailyMetrics.objects.count():,} daily rows"
    )
    print(
        f"  of which: streamed read + conversion {read_s:.2f} s, "
        f"engine ≈ {engine_s / 2000 * len(ids):.2f} s ({engine_s / 2000 * 1000:.2f} ms/account)"
    )
    print(f"  recompute again (nothing changed): {again_s:.2f} s; in one process: {serial_s:.2f} s")
    print(f"  baseline, SQL window query of running balances: {base_full:.2f} s")

    # Incremental: one new trade on the account with 10,000 trades of history.
    evaluate_account(big_id, as_of=as_of, notify=False)
    timings = []
    with connection.cursor() as cursor:
        for n in range(7):
            cursor.execute(
                "INSERT INTO evaluations_trade (account_id, ticket, symbol, side, volume, "
                "open_time, open_price, close_time, close_price, commission, swap, fees, profit)"
                " SELECT %s, %s, 'EURUSD', 'buy', 1, max(close_time), 1.1, "
                "max(close_time) + interval '5 minutes', 1.1, 0, 0, 0, 12.5 "
                "FROM evaluations_trade WHERE account_id = %s",
                [big_id, f"NEW{n}", big_id],
            )
            elapsed, _ = _timed(lambda: evaluate_account(big_id, as_of=as_of, notify=False))
            timings.append(elapsed)

        def baseline():
            cursor.execute(
                "SELECT id, sum(net) OVER (ORDER BY close_time, id) FROM evaluations_trade "
                "WHERE account_id = %s",
                [big_id],
            )
            return cursor.fetchall()

        base_incr = statistics.median(_timed(baseline)[0] for _ in range(7))
        cold = []
        for n in range(7):  # the same without the checkpoint: the whole history read again
            cursor.execute(
                "UPDATE evaluations_trade SET profit = profit + 1 WHERE account_id = %s "
                "AND ticket = %s",
                [big_id, f"NEW{n}"],
            )
            trade_checkpoint.clear()
            cold.append(_timed(lambda: evaluate_account(big_id, as_of=as_of, notify=False))[0])
    incr = statistics.median(timings)
    print(
        f"incremental: 1 new trade on an account with {history:,} trades: "
        f"{incr * 1000:.1f} ms median of 7 (target ≤ 50 ms); whole history re-read "
        f"(no checkpoint): {statistics.median(cold) * 1000:.1f} ms; "
        f"baseline SQL running balance of that account fetched: {base_incr * 1000:.1f} ms"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.2f} (1 min)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--trades", type=int, default=100)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    _admin(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    _admin(f"CREATE DATABASE {BENCH_DB}")
    try:
        _setup_django()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        run(args.accounts, args.trades, args.history)
        connections.close_all()
    finally:
        if not args.keep:
            _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
