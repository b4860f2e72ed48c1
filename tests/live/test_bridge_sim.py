"""The reference bridge simulator's own logic (bench/bridge_sim.py), without a server: the market
walk, equity = balance + floating P&L, obeying PropDesk's commands, and retrying refused
requests. The simulator is what firms copy their bridge from, so these are its contract."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bench.bridge_sim import (
    BridgeRunner,
    Market,
    Reply,
    Sender,
    Simulator,
    iso,
    money,
    parse_iso,
)

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def walk(seed: int, steps: int) -> list[dict]:
    market = Market(seed)
    out = []
    for _ in range(steps):
        market.step()
        out.append(dict(market.prices))
    return out


def test_the_market_walk_is_the_same_for_a_seed_and_differs_between_seeds():
    assert walk(7, 50) == walk(7, 50)
    assert walk(7, 50) != walk(8, 50)


def test_prices_move_at_most_their_step_a_second_and_stay_int_points():
    market = Market(3)
    for _ in range(200):
        before = dict(market.prices)
        market.step()
        for name, price in market.prices.items():
            assert isinstance(price, int)
            assert abs(price - before[name]) <= market.symbols[name].step


def test_equity_is_balance_plus_the_floating_pnl_of_open_positions():
    sim = Simulator(["A1"], seed=1, initial_positions=1.0, p_open=0, p_close=0, start_ts=T0)
    account = sim.accounts["A1"]
    (position,) = account.positions.values()
    for n in range(30):
        second = sim.second(T0 + 1 + n)
        price = sim.market.prices[position.symbol]
        move = price - position.open_price
        floating = (move if position.side == "buy" else -move) * position.centilots
        tick = second.ticks[0]
        assert tick["balance"] == "100000.00"
        assert Decimal(tick["equity"]) * 100 == 10_000_000 + floating
        assert tick["time"] == iso(T0 + 1 + n)


def test_a_closed_trade_moves_its_pnl_into_the_balance_and_is_pushed_once():
    sim = Simulator(["A1"], seed=2, initial_positions=1.0, p_open=0, p_close=0, start_ts=T0)
    for n in range(10):
        sim.second(T0 + 1 + n)
    account = sim.accounts["A1"]
    (position,) = account.positions.values()
    floating = position.profit(sim.market.prices[position.symbol])
    sim.p_close = 1.0
    second = sim.second(T0 + 11)

    (trade,) = second.trades
    profit = int(Decimal(trade["profit"]) * 100)
    assert account.balance == 10_000_000 + profit
    assert abs(profit - floating) <= sim.market.symbols[position.symbol].step * position.centilots
    assert second.ticks[0]["equity"] == second.ticks[0]["balance"]  # nothing open any more
    assert second.position_sets == [{"account": "A1", "time": iso(T0 + 11), "positions": []}]
    assert sim.second(T0 + 12).trades == []


def test_an_honest_random_walk_stays_far_inside_a_5_percent_daily_limit():
    logins = [f"L{n}" for n in range(300)]
    sim = Simulator(logins, seed=5, p_open=0.01, p_close=0.01, initial_positions=0.5, start_ts=T0)
    lowest = 10_000_000
    for n in range(600):
        for tick in sim.second(T0 + 1 + n).ticks:
            lowest = min(lowest, int(Decimal(tick["equity"]) * 100))
    assert lowest > 9_500_000 + 400_000  # not even a fifth of the room used


def test_a_planted_equity_shows_from_its_second_on_and_is_reported_once():
    sim = Simulator(["A1", "A2"], seed=1, initial_positions=0, start_ts=T0)
    sim.plant("A2", 3, 9_400_000)
    seconds = [sim.second(T0 + n) for n in range(1, 6)]
    equity = [s.ticks[1]["equity"] for s in seconds]
    assert equity[:2] == ["100000.00", "100000.00"]
    assert equity[2:] == ["94000.00"] * 3
    assert [s.planted for s in seconds] == [[], [], ["A2"], [], []]


def test_close_and_disable_closes_everything_and_the_account_opens_nothing_after():
    sim = Simulator(["A1"], seed=4, initial_positions=1.0, p_open=1.0, p_close=0, start_ts=T0)
    sim.second(T0 + 1)
    assert sim.accounts["A1"].positions

    ok, result = sim.apply_command({"kind": "close_and_disable", "login": "A1"}, T0 + 2)

    assert ok and result["closed"] >= 1
    assert sim.accounts["A1"].positions == {}
    trades = sim.second(T0 + 3).trades
    assert len(trades) == result["closed"]
    for n in range(4, 50):
        second = sim.second(T0 + n)
        assert second.trades == []
        assert len(second.ticks) == 1  # it still ticks
    assert sim.accounts["A1"].positions == {}
    assert sim.blocked_opens > 0 and sim.trades_by_disabled() == 0


def test_disable_keeps_positions_open_but_stops_trading_until_enable():
    sim = Simulator(["A1"], seed=4, initial_positions=1.0, p_open=1.0, p_close=1.0, start_ts=T0)
    held = dict(sim.accounts["A1"].positions)
    sim.apply_command({"kind": "disable", "login": "A1"}, T0)
    for n in range(1, 10):
        assert sim.second(T0 + n).trades == []
    assert sim.accounts["A1"].positions == held

    sim.apply_command({"kind": "enable", "login": "A1"}, T0 + 10)
    assert sim.second(T0 + 11).trades  # p_close 1: it trades again
    assert sim.trades_by_disabled() == 0


def test_pause_closes_positions_and_waits_for_enable_after_its_until():
    sim = Simulator(["A1"], seed=4, initial_positions=1.0, p_open=1.0, p_close=0, start_ts=T0)
    until = iso(T0 + 5)
    ok, _ = sim.apply_command({"kind": "pause", "login": "A1", "payload": {"until": until}}, T0)
    assert ok and sim.accounts["A1"].positions == {}
    for n in range(1, 12):  # past `until`, still no trading without an enable
        sim.second(T0 + n)
    assert sim.accounts["A1"].positions == {}
    assert sim.accounts["A1"].paused_until is None

    sim.apply_command({"kind": "enable", "login": "A1"}, T0 + 12)
    sim.second(T0 + 13)
    assert sim.accounts["A1"].positions


def test_create_account_answers_a_login_of_its_own_and_ticks_for_it():
    sim = Simulator(["A1"], seed=1, initial_positions=0, platform_prefix="SIMX", start_ts=T0)
    ok, result = sim.apply_command(
        {"kind": "create_account", "login": "PD-77", "payload": {"initial_balance": "50000.00"}},
        T0,
    )
    assert ok and result == {"login": "SIMX1"}
    tick = sim.second(T0 + 1).ticks[-1]
    assert (tick["account"], tick["balance"]) == ("SIMX1", "50000.00")


def test_a_command_for_an_unknown_account_is_acknowledged_as_failed():
    sim = Simulator(["A1"], seed=1, start_ts=T0)
    ok, result = sim.apply_command({"kind": "disable", "login": "nope"}, T0)
    assert not ok and "nope" in result["error"]


class FakeTransport:
    """Answers from a script: a status (with headers) or an exception, in order."""

    def __init__(self, script):
        self.script = list(script)
        self.bodies = []

    def request(self, method, path, body=None, timeout=None):
        self.bodies.append(body)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        status, headers = step if isinstance(step, tuple) else (step, {})
        return Reply(status, headers, json.dumps({"accepted": 1, "refused": []}).encode())


def test_503_429_and_connection_errors_are_retried_with_the_same_body_until_accepted():
    transport = FakeTransport([503, ConnectionResetError(), (429, {"retry-after": "2"}), 202])
    slept = []
    sender = Sender(transport, sleep=slept.append)

    reply = sender.send("POST", "/api/live/ticks/", {"ticks": [{"account": "A1"}]})

    assert reply.status == 202
    assert len(set(transport.bodies)) == 1 and len(transport.bodies) == 4
    assert dict(sender.retries) == {"503": 1, "connection": 1, "429": 1}
    assert slept[2] == 2.0  # Retry-After honoured
    assert sender.requests["/api/live/ticks/"] == 4


def test_a_refusal_that_retrying_cannot_fix_is_returned_at_once():
    transport = FakeTransport([400])
    sender = Sender(transport, sleep=pytest.fail)
    assert sender.send("POST", "/api/live/ticks/", {"ticks": []}).status == 400
    assert not sender.retries


def test_retrying_gives_up_after_its_deadline_with_the_last_answer():
    clock = iter(range(0, 10_000, 100)).__next__
    transport = FakeTransport([503] * 10)
    sender = Sender(transport, sleep=lambda s: None, clock=clock, give_up_after=250)
    assert sender.send("POST", "/api/live/ticks/", {"ticks": []}).status == 503
    assert sender.retries["503"] < 10


def test_the_runner_records_commands_and_acknowledges_each():
    sim = Simulator(["A1"], seed=1, initial_positions=1.0, start_ts=T0)
    poll = {
        "commands": [
            {"id": 5, "kind": "close_and_disable", "login": "A1", "payload": {}},
            {"id": 6, "kind": "create_account", "login": "PD-1", "payload": {}},
        ]
    }

    class Transport:
        def __init__(self):
            self.calls = []

        def request(self, method, path, body=None, timeout=None):
            self.calls.append((method, path, json.loads(body) if body else None))
            if method == "GET":
                return Reply(200, {}, json.dumps(poll).encode())
            return Reply(200, {}, b"{}")

    transport = Transport()
    runner = BridgeRunner(sim, Sender(transport))
    assert runner.poll_commands(0) == 2

    acks = [(path, body) for method, path, body in transport.calls if method == "POST"]
    assert acks[0] == ("/api/live/commands/5/ack/", {"ok": True, "result": {"closed": 1}})
    assert acks[1][0] == "/api/live/commands/6/ack/" and acks[1][1]["result"]["login"]
    report = runner.report()
    assert set(report["commands"]) == {"close_and_disable", "create_account"}
    assert report["commands"]["close_and_disable"][0]["login"] == "A1"
    assert runner.trades_q.get_nowait()[0]["account"] == "A1"  # the closed trade is pushed


def test_money_and_times_on_the_wire_are_exact_text():
    assert [money(c) for c in (0, 5, -5, 10_000_000, -123_456)] == [
        "0.00",
        "0.05",
        "-0.05",
        "100000.00",
        "-1234.56",
    ]
    assert parse_iso(iso(T0 + 59)) == T0 + 59


def test_a_command_handed_out_again_is_acknowledged_again_but_not_carried_out_twice():
    sim = Simulator(["A1"], seed=1, start_ts=T0)
    create = {"id": 9, "kind": "create_account", "login": "PD-1", "payload": {}}

    class Transport:
        acks = []

        def request(self, method, path, body=None, timeout=None):
            if method == "GET":
                return Reply(200, {}, json.dumps({"commands": [create]}).encode())
            self.acks.append(json.loads(body))
            return Reply(200, {}, b"{}")

    transport = Transport()
    runner = BridgeRunner(sim, Sender(transport))
    runner.poll_commands(0)
    runner.poll_commands(0)  # the same command again: its lease ran out before our ack arrived

    assert len(sim.accounts) == 2  # A1 and one created account, not two
    assert transport.acks[0] == transport.acks[1]
    assert runner.report()["commands_redelivered"] == 1
