"""evaluate(): metrics, the equity basis, the first hard breach and determinism."""

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import evaluate
from risk.engine.types import AccountIn, BalanceOpIn, RuleIn, SnapshotIn, TradeIn

from .builders import account, at, lots, rule, snapshot, trade, usd

TYPICAL = (
    rule("max_daily_loss", percent="5"),
    rule("max_total_loss", percent="10", mode="trailing_eod"),
    rule("profit_target", percent="8"),
    rule("min_trading_days", days=3),
    rule("max_position_size", max_volume="10"),
)


def test_metrics_of_a_small_account():
    result = evaluate(
        account(
            *TYPICAL,
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", 1_000, volume="1"),
                trade("2026-03-02 11:00", "2026-03-02 12:00", -400, volume="2"),
                trade("2026-03-03 09:00", "2026-03-03 10:00", 2_500, volume="0.5"),
                trade("2026-03-04 09:00", "2026-03-04 10:00", 0, volume="1"),
            ],
            as_of="2026-03-04 18:00",
        )
    )
    assert result.basis == "closed_trades"
    assert (result.balance, result.equity) == (usd(103_100), usd(103_100))
    assert result.net_profit == usd(3_100)
    assert (result.trades, result.wins, result.losses) == (4, 2, 1)
    assert (result.gross_profit, result.gross_loss) == (usd(3_500), usd(400))
    assert result.best_day_net == usd(2_500)
    assert result.volume == lots("4.5")
    assert result.trading_days == 3
    assert result.max_drawdown == usd(400)
    assert result.last_trade_open_ts == at("2026-03-04 09:00")
    assert [d.net for d in result.days] == [usd(600), usd(2_500), 0]
    assert result.day_reference == usd(103_100)
    assert result.daily_floor == usd(98_100) and result.room_daily == usd(5_000)
    assert result.total_floor == usd(93_100) and result.room_total == usd(10_000)
    assert result.hwm == usd(103_100)
    assert result.breaches == [] and result.first_hard_breach is None
    assert not result.objectives_met  # 3.1% of an 8% target


def test_an_account_without_trades_is_at_its_initial_balance():
    result = evaluate(account(*TYPICAL, as_of="2026-03-02 12:00"))
    assert (result.balance, result.equity, result.net_profit) == (usd(100_000),) * 2 + (0,)
    assert result.max_drawdown == 0 and result.last_trade_open_ts is None
    assert len(result.days) == 1 and result.room_daily == usd(5_000)


def test_snapshots_switch_the_basis_and_go_stale_after_a_later_close():
    result = evaluate(
        account(
            trades=[trade("2026-03-02 09:00", "2026-03-02 12:00", 500)],
            snapshots=[snapshot("2026-03-02 10:00", 100_000, 98_000)],
        )
    )
    assert result.basis == "equity_snapshots"
    assert result.equity == usd(100_500)  # the close at 12:00 made the 10:00 snapshot stale
    assert result.days[0].min_equity == usd(98_000)
    assert result.max_drawdown == usd(2_000)


def test_a_snapshot_at_the_second_of_a_close_already_includes_it():
    result = evaluate(
        account(
            trades=[trade("2026-03-02 09:00", "2026-03-02 12:00", 500)],
            snapshots=[snapshot("2026-03-02 12:00", 100_500, 99_000)],
        )
    )
    assert result.equity == usd(99_000)


def test_first_hard_breach_is_the_earliest_hard_one_and_soft_ones_do_not_count():
    result = evaluate(
        account(
            rule("max_position_size", "soft", max_volume="1"),
            rule("max_daily_loss", percent="5"),
            rule("max_total_loss", percent="10"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", 10, volume="2"),
                trade("2026-03-03 09:00", "2026-03-03 10:00", -6_000),
                trade("2026-03-04 09:00", "2026-03-04 10:00", -6_000),
            ],
        )
    )
    assert [b.code for b in result.breaches] == [
        "max_position_size",
        "max_daily_loss",
        "max_daily_loss",
        "max_total_loss",
    ]
    assert result.first_hard_breach.key == "max_daily_loss:2026-03-03"


# -- properties ---------------------------------------------------------------------------------

START = at("2026-03-02 08:00")
B0 = usd(100_000)
RULE_SETS = [
    TYPICAL,
    (
        rule(
            "max_daily_loss", percent="4", amount_base="reference", reference="max_balance_equity"
        ),
        rule("max_total_loss", percent="8", mode="trailing_intraday", lock_at="initial"),
        rule("max_open_volume", max_volume="3"),
        rule("consistency", "soft", percent="40"),
        rule("inactivity", days=3),
        rule("weekend_holding", "hard"),
    ),
    (
        rule("max_total_loss", percent="6", mode="trailing_closed"),
        rule("profit_target", percent="5"),
        rule("time_limit", days=5),
    ),
]

trade_rows = st.lists(
    st.tuples(
        st.integers(0, 8 * 24 * 60),  # open, minutes after start
        st.integers(0, 3 * 24 * 60),  # duration, minutes
        st.integers(-500_000, 500_000),  # net cents
        st.integers(1, 30_000),  # volume units
    ),
    max_size=25,
)


def _account(rows, rules, snaps=(), ops=()) -> AccountIn:
    trades = [
        TradeIn(i + 1, str(i), "EURUSD", "buy", vol, START + o * 60, START + (o + d) * 60, net)
        for i, (o, d, net, vol) in enumerate(rows)
    ]
    return AccountIn(
        account_id=1,
        initial_balance=B0,
        started_ts=START,
        reset_tz="Europe/Prague",
        reset_hour=0,
        rules=rules,
        trades=tuple(sorted(trades, key=lambda t: (t.close_ts, t.id))),
        snapshots=tuple(snaps),
        balance_ops=tuple(ops),
        as_of_ts=START + 12 * 86_400,
    )


@settings(max_examples=120, deadline=None)
@given(
    rows=trade_rows,
    rules=st.sampled_from(RULE_SETS),
    later=st.tuples(st.integers(1, 3 * 24 * 60), st.integers(1, 500_000)),
)
def test_a_profitable_trade_after_the_first_hard_breach_never_revives_the_account(
    rows, rules, later
):
    acc = _account(rows, rules)
    first = evaluate(acc).first_hard_breach
    if first is None:
        return
    opened = first.ts + later[0] * 60
    extra = TradeIn(999, "late", "EURUSD", "buy", 1, opened, opened + 60, later[1])
    again = evaluate(replace(acc, trades=(*acc.trades, extra), as_of_ts=acc.as_of_ts + 86_400))
    assert again.first_hard_breach is not None
    assert (again.first_hard_breach.ts, again.first_hard_breach.key) == (first.ts, first.key)


@settings(max_examples=120, deadline=None)
@given(
    rows=trade_rows,
    rules=st.sampled_from(RULE_SETS),
    snaps=st.lists(
        st.tuples(st.integers(0, 8 * 24 * 60), st.integers(-900_000, 900_000)), max_size=8
    ),
    seed=st.integers(0, 10**6),
)
def test_evaluate_is_deterministic_and_ignores_input_order(rows, rules, snaps, seed):
    snapshots = [
        SnapshotIn(100 + i, START + m * 60, B0, B0 + delta) for i, (m, delta) in enumerate(snaps)
    ]
    ops = [BalanceOpIn(500, START + 3 * 86_400, -100_000, "withdrawal")]
    acc = _account(rows, rules, sorted(snapshots, key=lambda s: (s.ts, s.id)), ops)
    shuffled = list(acc.trades)
    random.Random(seed).shuffle(shuffled)
    mixed_snaps = list(acc.snapshots)
    random.Random(seed + 1).shuffle(mixed_snaps)
    other = replace(acc, trades=tuple(shuffled), snapshots=tuple(mixed_snaps))
    assert evaluate(acc) == evaluate(acc) == evaluate(other)


def test_rule_params_not_in_the_set_are_not_evaluated():
    acc = account(trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", -50_000, volume="99")])
    result = evaluate(acc)
    assert result.breaches == [] and result.objectives == [] and not result.objectives_met
    assert result.daily_floor is None and result.total_floor is None


def test_unknown_rule_codes_are_ignored():
    result = evaluate(account(RuleIn("hedging", "soft", {"seconds": 60})))
    assert result.breaches == []
