"""Max total loss: static and trailing floors, PRODUCT.md §2 examples and properties."""

from hypothesis import given, settings
from hypothesis import strategies as st

from risk.engine import evaluate, trading_day
from risk.engine.params import Percent, lock_cents
from risk.engine.types import AccountIn, RuleIn, SnapshotIn, TradeIn

from .builders import account, at, balance_op, keys, rule, snapshot, trade, usd


def test_static_total_loss_breach_at_89999():
    result = evaluate(
        account(
            rule("max_total_loss", percent="10", mode="static"),
            trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", -8_000)],
            snapshots=[snapshot("2026-03-02 11:00", 92_000, 89_999)],
        )
    )
    (breach,) = result.breaches
    assert breach.key == "max_total_loss"
    assert (breach.threshold, breach.observed) == (usd(90_000), usd(89_999))
    assert breach.ts == at("2026-03-02 11:00")
    assert "maximum loss floor $90,000.00 ($100,000.00 − 10%)" in breach.message
    assert result.first_hard_breach == breach


def test_static_floor_touched_exactly_is_not_a_breach():
    result = evaluate(
        account(
            rule("max_total_loss", percent="10"),
            trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", -8_000)],
            snapshots=[snapshot("2026-03-02 11:00", 92_000, 90_000)],
        )
    )
    assert result.breaches == [] and result.room_total == 0


def eod_account(wednesday_net):
    return account(
        rule("max_total_loss", percent="10", mode="trailing_eod"),
        trades=[
            trade("2026-03-02 09:00", "2026-03-02 10:00", 4_000),
            trade("2026-03-03 09:00", "2026-03-03 10:00", -1_000),
            trade("2026-03-04 09:00", "2026-03-04 10:00", wednesday_net),
        ],
        as_of="2026-03-04 12:00",
    )


def test_trailing_eod_floor_94000_holds():
    result = evaluate(eod_account(-9_000))
    assert [d.total_floor for d in result.days] == [usd(90_000), usd(94_000), usd(94_000)]
    assert result.total_floor == usd(94_000)
    assert result.hwm == usd(104_000)
    assert result.breaches == []  # equity 94,000.00 equals the floor


def test_trailing_eod_breaks_below_94000():
    (breach,) = evaluate(eod_account("-9000.01")).breaches
    assert breach.threshold == usd(94_000) and breach.ts == at("2026-03-04 10:00")
    assert "highest end-of-day balance $104,000.00 − 10% of $100,000.00" in breach.message


def test_trailing_eod_floor_does_not_move_intraday():
    result = evaluate(
        account(
            rule("max_total_loss", percent="10", mode="trailing_eod"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", 8_000),
                trade("2026-03-02 11:00", "2026-03-02 12:00", -17_000),
            ],
        )
    )
    assert result.breaches == []  # 91,000 is above day 1's floor of 90,000
    assert result.total_floor == usd(90_000)


def closed_account(*nets, extra_trades=(), ops=()):
    trades = [
        trade(f"2026-03-0{2 + i} 09:00", f"2026-03-0{2 + i} 10:00", net)
        for i, net in enumerate(nets)
    ]
    return account(
        rule("max_total_loss", percent="6", mode="trailing_closed", lock_at="initial"),
        trades=[*trades, *extra_trades],
        ops=ops,
    )


def test_trailing_closed_lock_at_initial():
    assert evaluate(closed_account()).total_floor == usd(94_000)
    assert evaluate(closed_account(1_000)).total_floor == usd(95_000)
    assert evaluate(closed_account(1_000, 5_000)).total_floor == usd(100_000)
    assert evaluate(closed_account(1_000, 5_000, 4_000)).total_floor == usd(100_000)


def test_trailing_closed_breach_below_the_lock():
    (breach,) = evaluate(closed_account(6_000, "-6000.01")).breaches
    assert breach.threshold == usd(100_000) and breach.observed == usd("99999.99")
    assert "locked at $100,000.00" in breach.message


def test_trailing_closed_floor_moves_immediately_within_the_day():
    result = evaluate(
        account(
            rule("max_total_loss", percent="6", mode="trailing_closed"),
            trades=[
                trade("2026-03-02 09:00", "2026-03-02 10:00", 5_000),
                trade("2026-03-02 11:00", "2026-03-02 12:00", "-6000.01"),
            ],
        )
    )
    assert [b.threshold for b in result.breaches] == [usd(99_000)]


def test_trailing_floor_never_goes_down_after_a_loss():
    result = evaluate(closed_account(1_000, -5_000))
    assert result.total_floor == usd(95_000)


def test_payout_moves_the_trailing_floor_with_the_new_balance():
    result = evaluate(
        closed_account(10_000, ops=[balance_op("2026-03-03 12:00", -10_000, "withdrawal")])
    )
    assert result.breaches == []
    assert result.balance == usd(100_000)
    assert result.total_floor == usd(94_000)
    assert result.hwm == usd(100_000)


def test_trailing_intraday_follows_floating_equity_peaks():
    result = evaluate(
        account(
            rule("max_total_loss", percent="5", mode="trailing_intraday"),
            trades=[trade("2026-03-02 09:00", "2026-03-02 12:00", 1_000)],
            snapshots=[
                snapshot("2026-03-02 10:00", 100_000, 105_000),
                snapshot("2026-03-02 11:00", 100_000, "99999.99"),
            ],
        )
    )
    (breach,) = result.breaches
    assert breach.threshold == usd(100_000) and breach.ts == at("2026-03-02 11:00")
    assert result.hwm == usd(105_000)


def test_lock_at_an_amount_caps_the_floor():
    result = evaluate(
        account(
            rule("max_total_loss", percent="5", mode="trailing_closed", lock_at="101000"),
            trades=[trade("2026-03-02 09:00", "2026-03-02 10:00", 20_000)],
        )
    )
    assert result.total_floor == usd(101_000)


# -- properties ---------------------------------------------------------------------------------

B0 = usd(100_000)
START = at("2026-03-02 08:00")
MODES = ("static", "trailing_intraday", "trailing_eod", "trailing_closed")

moves = st.lists(
    st.tuples(
        st.integers(0, 10 * 24 * 60),  # minutes after the start
        st.integers(0, 600),  # duration or snapshot lag, minutes
        st.integers(-300_000, 300_000),  # cents: trade net or floating P&L
        st.booleans(),  # a trade or a snapshot
    ),
    max_size=25,
)


def _random_account(items, mode, lock, tz="Europe/Prague", hour=0) -> AccountIn:
    trades, snaps = [], []
    for i, (minute, length, cents, is_trade) in enumerate(items):
        ts = START + minute * 60
        if is_trade:
            trades.append(
                TradeIn(i + 1, str(i), "EURUSD", "buy", 10_000, ts, ts + length * 60, cents)
            )
        else:
            snaps.append((ts + length, cents, i + 1))
    trades.sort(key=lambda t: (t.close_ts, t.id))
    snapshots = []
    for ts, floating, sid in sorted(snaps):
        balance = B0 + sum(t.net for t in trades if t.close_ts <= ts)
        snapshots.append(SnapshotIn(sid, ts, balance, balance + floating))
    params = {"percent": "4", "mode": mode}
    if lock:
        params["lock_at"] = lock
    return AccountIn(
        1, B0, START, tz, hour, (RuleIn("max_total_loss", "hard", params),), tuple(trades),
        tuple(sorted(snapshots, key=lambda s: (s.ts, s.id))), as_of_ts=START + 12 * 86_400,
    )  # fmt: skip


def _naive_state(acc: AccountIn, t: int) -> tuple[int, int]:
    closed = [x for x in acc.trades if x.close_ts <= t]
    balance = acc.initial_balance + sum(x.net for x in closed)
    last_change = max((x.close_ts for x in closed), default=None)
    snaps = [s for s in acc.snapshots if s.ts <= t]
    if snaps and (last_change is None or snaps[-1].ts >= last_change):
        return balance, snaps[-1].equity
    return balance, balance


def _naive_first_breach(acc: AccountIn):
    """Re-derive the floor at every instant from the definitions, slowly."""
    params = acc.rules[0].params
    amount = Percent.parse(params["percent"]).of(acc.initial_balance)
    lock = lock_cents(params.get("lock_at"), acc.initial_balance)
    mode = params["mode"]
    instants = {x.close_ts for x in acc.trades} | {s.ts for s in acc.snapshots}
    day = trading_day(START, acc.reset_tz, acc.reset_hour)
    resets = set()
    while day.end_ts <= acc.as_of_ts:
        resets.add(day.end_ts)
        day = trading_day(day.end_ts, acc.reset_tz, acc.reset_hour)
    hwm = acc.initial_balance
    floor = amount_floor = acc.initial_balance - amount
    if lock is not None:
        floor = min(floor, lock)
    floors = []
    for t in sorted(instants | resets):
        balance, equity = _naive_state(acc, t)
        if mode == "static":
            current = amount_floor
        else:
            if mode == "trailing_intraday":
                hwm = max(hwm, equity)
            elif mode == "trailing_closed":
                hwm = max(hwm, balance)
            elif t in resets:
                hwm = max(hwm, _naive_state(acc, t - 1)[0])
            candidate = hwm - amount if lock is None else min(hwm - amount, lock)
            floor = max(floor, candidate)
            current = floor
        floors.append(current)
        if equity < current:
            return t, current, floors
    return None, None, floors


@settings(max_examples=150, deadline=None)
@given(
    items=moves,
    mode=st.sampled_from(MODES),
    lock=st.sampled_from([None, "initial", "102000"]),
)
def test_breach_time_is_the_first_time_equity_goes_below_the_floor(items, mode, lock):
    acc = _random_account(items, mode, lock)
    result = evaluate(acc)
    expected_ts, expected_floor, _ = _naive_first_breach(acc)
    found = [b for b in result.breaches if b.code == "max_total_loss"]
    if expected_ts is None:
        assert found == []
    else:
        assert [(b.ts, b.threshold) for b in found] == [(expected_ts, expected_floor)]


@settings(max_examples=150, deadline=None)
@given(
    items=moves,
    mode=st.sampled_from(MODES[1:]),
    lock=st.sampled_from([None, "initial"]),
    tz=st.sampled_from(["Europe/Prague", "America/Chicago", "UTC"]),
)
def test_the_trailing_floor_never_decreases(items, mode, lock, tz):
    acc = _random_account(items, mode, lock, tz=tz, hour=17 if tz == "America/Chicago" else 0)
    result = evaluate(acc)
    day_floors = [d.total_floor for d in result.days]
    assert day_floors == sorted(day_floors)
    assert result.total_floor >= day_floors[0]
    _, _, naive_floors = _naive_first_breach(acc)
    assert naive_floors == sorted(naive_floors)


def test_hard_breach_keys_are_stable_across_recomputes():
    acc = closed_account(6_000, -7_000)
    assert keys(evaluate(acc)) == keys(evaluate(acc)) == ["max_total_loss"]
