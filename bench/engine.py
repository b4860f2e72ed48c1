"""Benchmark of the pure risk engine (PRODUCT.md §5, the compute part of the full recompute).

    .venv/bin/python bench/engine.py [--accounts 10000] [--trades 100] [--big 10000]

Prints accounts/s for N accounts × M trades with the typical rule set (daily loss, total loss,
profit target, minimum days, position size) beside a baseline in the same run (a plain Python
loop over the same trades summing nets), and the time for one account with --big trades.
Targets: full recompute ≤ 10 s end to end for 10,000 × 100 (so the engine must leave most of
that to the database), one 10,000-trade account < 20 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from risk.engine import evaluate  # noqa: E402
from risk.engine.types import AccountIn, RuleIn, TradeIn  # noqa: E402

START = 1_767_600_000  # 2026-01-05 08:00 UTC
DAILY = {"percent": "5", "amount_base": "initial", "reference": "balance"}
RULES = (
    RuleIn("max_daily_loss", "hard", DAILY),
    RuleIn("max_total_loss", "hard", {"percent": "10", "mode": "static"}),
    RuleIn("profit_target", "soft", {"percent": "10"}),
    RuleIn("min_trading_days", "soft", {"days": 4}),
    RuleIn("max_position_size", "hard", {"max_volume": "20"}),
)  # fmt: skip


def make_account(rng: random.Random, account_id: int, n_trades: int, span_days: int) -> AccountIn:
    """n_trades closed trades spread over span_days: a realistic, mostly surviving account."""
    start = START + rng.randrange(0, 86_400)
    opens = sorted(start + rng.randrange(0, span_days * 86_400) for _ in range(n_trades))
    trades = []
    for i, opened in enumerate(opens):
        closed = opened + rng.randrange(60, 6 * 3600)
        trades.append(
            TradeIn(
                id=account_id * 1_000_000 + i,
                ticket=str(i),
                symbol=rng.choice(("EURUSD", "XAUUSD", "NAS100")),
                side=rng.choice(("buy", "sell")),
                volume=rng.randrange(1, 50) * 1_000,
                open_ts=opened,
                close_ts=closed,
                net=rng.randrange(-40_000, 45_000),
            )
        )
    trades.sort(key=lambda t: (t.close_ts, t.id))
    return AccountIn(
        account_id=account_id,
        initial_balance=10_000_000,
        started_ts=start,
        reset_tz="Europe/Prague",
        reset_hour=0,
        rules=RULES,
        trades=tuple(trades),
        as_of_ts=start + (span_days + 1) * 86_400,
    )


def baseline(accounts: list[AccountIn]) -> int:
    total = 0
    for account in accounts:
        for trade in account.trades:
            total += trade.net
    return total


def evaluate_streamed(accounts: list[AccountIn]) -> None:
    for account in accounts:
        evaluate(account)


def timed(fn, *args) -> float:
    began = time.perf_counter()
    fn(*args)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--trades", type=int, default=100)
    parser.add_argument("--big", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(20260305)
    accounts = [make_account(rng, i + 1, args.trades, 30) for i in range(args.accounts)]
    evaluate(accounts[0])  # warm the day calendar cache, as a running worker has it
    n_trades = args.accounts * args.trades

    base = timed(baseline, accounts)
    engine = timed(lambda: [evaluate(a) for a in accounts])
    streamed = timed(evaluate_streamed, accounts)
    breached = sum(1 for a in accounts[:1000] if evaluate(a).first_hard_breach)
    print(f"{args.accounts:,} accounts × {args.trades} trades ({n_trades:,} trades)")
    print(f"  baseline (sum nets):  {base:7.3f} s  {args.accounts / base:12,.0f} accounts/s")
    print(
        f"  evaluate, all kept:   {engine:7.3f} s  {args.accounts / engine:12,.0f} accounts/s"
        f"  ({engine / args.accounts * 1e6:.0f} µs/account, {engine / base:.0f}× baseline)"
    )
    print(
        f"  evaluate, streamed:   {streamed:7.3f} s  {args.accounts / streamed:12,.0f} accounts/s"
        f"  ({streamed / args.accounts * 1e6:.0f} µs/account; results not kept, less GC work)"
    )
    print(f"  hard-breached in the first 1,000: {breached}")

    big = make_account(rng, 999_999, args.big, 365)
    runs = [timed(evaluate, big) for _ in range(5)]
    big_base = timed(baseline, [big])
    print(f"1 account × {args.big:,} trades over a year")
    print(f"  baseline (sum nets):  {big_base * 1e3:7.2f} ms")
    best, median = min(runs) * 1e3, sorted(runs)[2] * 1e3
    print(f"  evaluate (best of 5): {best:7.2f} ms  (median {median:.2f} ms)")


if __name__ == "__main__":
    main()
