"""The reference bridge simulator: a small trading platform that speaks PropDesk's bridge protocol.

    python bench/bridge_sim.py --url http://127.0.0.1:8000 --token TOKEN \\
        --accounts 5012345,5012346 --seconds 60          # or --all-of-bridge (reads the DB)

It plays a market (a random walk per symbol, prices in int points), N accounts with a balance
and open positions opened and closed at random, and once a second pushes one equity tick per
account (balance + floating P&L) to `POST /api/live/ticks/`, the full position set of every
account whose positions changed to `POST /api/live/positions/`, and each closed trade to
`POST /api/bridge/trades/`. A request answered 503 or 429 (after Retry-After) or lost to a
connection error is sent again until it is accepted, so nothing is lost. A thread long-polls
`GET /api/live/commands/` and obeys: disable, close_and_disable, pause, enable, create_account,
acknowledging each. docs/bridge-simulator.md is the protocol as a bridge developer needs it.

Money is int cents and prices int points here (never float); the wire carries decimal text.
The pure parts (`Market`, `Simulator`, `Sender`) take no network and are unit-tested
(tests/live/test_bridge_sim.py); `BridgeRunner` drives them against a live PropDesk.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import queue
import random
import re
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

TICKS_PER_REQUEST = 5_000
POSITIONS_PER_REQUEST = 2_000
TRADES_PER_REQUEST = 1_000
MAX_POSITIONS = 3
GIVE_UP_SECONDS = 300.0  # a request still refused after this long is reported, not retried


# --- money and time on the wire -----------------------------------------------------------


def money(cents: int) -> str:
    """int cents → decimal text ("-12.05"), exactly."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


# --- the market -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Symbol:
    """A traded symbol. Prices are int points (1 point = 10^-digits); a move of one point is
    worth one cent per 0.01 lot for every symbol here (EURUSD: 100,000 units × 0.00001 = $1 a
    lot; XAUUSD: 100 oz × $0.01; US500: $100 per index point × 0.01), so P&L stays in int cents."""

    name: str
    digits: int
    start: int  # points
    step: int  # largest move per second, points

    def price_text(self, points: int) -> str:
        return str(Decimal(points).scaleb(-self.digits))


SYMBOLS = (
    Symbol("EURUSD", 5, 108_500, 3),
    Symbol("GBPUSD", 5, 127_000, 4),
    Symbol("AUDUSD", 5, 65_500, 3),
    Symbol("XAUUSD", 2, 265_000, 15),
    Symbol("US500", 2, 600_000, 25),
)


class Market:
    """A random walk per symbol, one step a second: each price moves by a uniform int number
    of points in [-step, step]. Deterministic for a seed."""

    def __init__(self, seed: int, symbols: tuple[Symbol, ...] = SYMBOLS) -> None:
        self.rng = random.Random(seed)
        self.symbols = {s.name: s for s in symbols}
        self.prices = {s.name: s.start for s in symbols}

    def step(self) -> None:
        for name, symbol in self.symbols.items():
            self.prices[name] = max(
                1, self.prices[name] + self.rng.randint(-symbol.step, symbol.step)
            )


# --- accounts and positions ----------------------------------------------------------------


@dataclass(slots=True)
class Position:
    ticket: str
    symbol: str
    side: str  # buy | sell
    centilots: int  # volume in 0.01 lot
    open_ts: int
    open_price: int  # points

    def profit(self, price: int) -> int:
        """Floating P&L in cents at `price` (one cent per point per 0.01 lot)."""
        move = price - self.open_price
        return (move if self.side == "buy" else -move) * self.centilots


@dataclass(slots=True)
class Account:
    login: str
    balance: int  # cents
    positions: dict[str, Position] = field(default_factory=dict)
    disabled_at: int | None = None  # trading disabled since (None: may trade)
    paused_until: int | None = None
    changed: bool = True  # its position set is to be pushed

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


@dataclass(slots=True)
class Second:
    """What one simulated second produced, ready for the wire."""

    ts: int
    ticks: list[dict]
    position_sets: list[dict]
    trades: list[dict]
    planted: list[str]  # logins whose tick this second is a planted one (first time)


class Simulator:
    """N accounts trading on a `Market`. Thread-safe: the command thread and the tick loop share
    it through `lock`."""

    def __init__(
        self,
        logins: list[str],
        *,
        seed: int = 1,
        balance: int = 10_000_000,
        p_open: float = 0.0005,
        p_close: float = 0.005,
        initial_positions: float = 0.1,
        max_centilots: int = 10,
        ticket_prefix: str = "sim",
        platform_prefix: str = "SIM",
        start_ts: int | None = None,
    ) -> None:
        self.market = Market(seed)
        self.rng = random.Random(seed + 1)
        self.p_open, self.p_close = p_open, p_close
        self.max_centilots = max_centilots
        self.ticket_prefix, self.platform_prefix = ticket_prefix, platform_prefix
        self.next_ticket = 1
        self.next_platform_login = 1
        self.trading = True
        self.lock = threading.RLock()
        self.accounts = {login: Account(login, balance) for login in logins}
        self.planted: dict[str, list[tuple[int, int]]] = {}  # login → [(second, equity)]
        self.planted_sent: set[str] = set()
        self.second_no = 0
        self.pending_trades: list[dict] = []
        self.opened_while_disabled = 0
        self.blocked_opens = 0
        self.commands: list[dict] = []
        start = start_ts if start_ts is not None else int(time.time())
        for account in self.accounts.values():
            if self.rng.random() < initial_positions:
                self._open(account, start)

    # --- planted breaches -----------------------------------------------------------------

    def plant(self, login: str, at_second: int, equity_cents: int) -> None:
        """From simulated second `at_second` on, `login`'s ticks show `equity_cents` (e.g. a
        sudden floating loss below its daily limit)."""
        self.planted.setdefault(login, []).append((at_second, equity_cents))
        self.planted[login].sort()

    def _planted_equity(self, login: str) -> int | None:
        value = None
        for at_second, equity in self.planted.get(login, ()):
            if at_second <= self.second_no:
                value = equity
        return value

    # --- trading ---------------------------------------------------------------------------

    def _ticket(self) -> str:
        ticket = f"{self.ticket_prefix}{self.next_ticket}"
        self.next_ticket += 1
        return ticket

    def _open(self, account: Account, ts: int) -> None:
        if account.disabled:
            self.blocked_opens += 1
            return
        symbol = self.rng.choice(list(self.market.symbols))
        position = Position(
            ticket=self._ticket(),
            symbol=symbol,
            side=self.rng.choice(("buy", "sell")),
            centilots=self.rng.randint(1, self.max_centilots),
            open_ts=ts,
            open_price=self.market.prices[symbol],
        )
        account.positions[position.ticket] = position
        account.changed = True

    def _close(self, account: Account, position: Position, ts: int) -> None:
        """Close at market: the P&L moves into the balance and a closed trade is queued."""
        price = self.market.prices[position.symbol]
        profit = position.profit(price)
        del account.positions[position.ticket]
        if account.disabled_at is not None and position.open_ts > account.disabled_at:
            self.opened_while_disabled += 1  # never, when commands are obeyed
        account.balance += profit
        account.changed = True
        symbol = self.market.symbols[position.symbol]
        self.pending_trades.append(
            {
                "account": account.login,
                "ticket": position.ticket,
                "symbol": position.symbol,
                "side": position.side,
                "volume": str(Decimal(position.centilots).scaleb(-2)),
                "open_time": iso(position.open_ts),
                "open_price": symbol.price_text(position.open_price),
                "close_time": iso(max(ts, position.open_ts)),
                "close_price": symbol.price_text(price),
                "commission": "0.00",
                "swap": "0.00",
                "profit": money(profit),
            }
        )

    def trades_by_disabled(self) -> int:
        """Positions opened after their account was disabled (closed or still open): 0 when
        every command was obeyed."""
        closed = self.opened_while_disabled
        with self.lock:
            still_open = sum(
                1
                for a in self.accounts.values()
                if a.disabled_at is not None
                for p in a.positions.values()
                if p.open_ts > a.disabled_at
            )
        return closed + still_open

    def close_all(self, account: Account, ts: int) -> int:
        positions = list(account.positions.values())
        for position in positions:
            self._close(account, position, ts)
        return len(positions)

    def equity(self, account: Account) -> int:
        """balance + floating P&L of the open positions, in cents (or the planted equity)."""
        planted = self._planted_equity(account.login)
        if planted is not None:
            return planted
        prices = self.market.prices
        return account.balance + sum(p.profit(prices[p.symbol]) for p in account.positions.values())

    def position_set(self, account: Account, ts: int) -> dict:
        prices = self.market.prices
        items = []
        for p in account.positions.values():
            symbol = self.market.symbols[p.symbol]
            items.append(
                {
                    "id": p.ticket,
                    "symbol": p.symbol,
                    "side": p.side,
                    "volume": str(Decimal(p.centilots).scaleb(-2)),
                    "open_time": iso(p.open_ts),
                    "open_price": symbol.price_text(p.open_price),
                    "profit": money(p.profit(prices[p.symbol])),
                }
            )
        return {"account": account.login, "time": iso(ts), "positions": items}

    def second(self, ts: int) -> Second:
        """Advance one second: the market moves, accounts open and close positions at random,
        and every account's tick at `ts` is produced."""
        with self.lock:
            self.second_no += 1
            self.market.step()
            rng = self.rng
            ticks, sets, planted = [], [], []
            when = iso(ts)
            for account in self.accounts.values():
                if account.paused_until is not None and ts >= account.paused_until:
                    account.paused_until = None  # the pause is over; trading waits for enable
                if self.trading:  # a disabled account's trader can neither open nor close
                    if not account.disabled:
                        for position in list(account.positions.values()):
                            if rng.random() < self.p_close:
                                self._close(account, position, ts)
                    if len(account.positions) < MAX_POSITIONS and rng.random() < self.p_open:
                        self._open(account, ts)  # refused (counted) when disabled
                if account.changed:
                    sets.append(self.position_set(account, ts))
                    account.changed = False
                equity = self.equity(account)
                ticks.append(
                    {
                        "account": account.login,
                        "time": when,
                        "balance": money(account.balance),
                        "equity": money(equity),
                    }
                )
                login = account.login
                if (
                    login in self.planted
                    and login not in self.planted_sent
                    and self._planted_equity(login) is not None
                ):
                    planted.append(login)
                    self.planted_sent.add(login)
            trades, self.pending_trades = self.pending_trades, []
            return Second(ts, ticks, sets, trades, planted)

    # --- commands --------------------------------------------------------------------------

    def apply_command(self, command: dict, now: int) -> tuple[bool, dict]:
        """Carry out one command from PropDesk; (ok, result) for its acknowledgement."""
        kind, login = command.get("kind"), command.get("login")
        payload = command.get("payload") or {}
        with self.lock:
            if kind == "create_account":
                platform_login = f"{self.platform_prefix}{self.next_platform_login}"
                self.next_platform_login += 1
                balance = int(Decimal(str(payload.get("initial_balance", "100000.00"))) * 100)
                self.accounts[platform_login] = Account(platform_login, balance)
                return True, {"login": platform_login}
            account = self.accounts.get(login)
            if account is None:
                return False, {"error": f"no account {login} on this platform"}
            if kind == "disable":
                account.disabled_at = account.disabled_at or now
            elif kind in ("close_and_disable", "pause"):
                account.disabled_at = account.disabled_at or now
                closed = self.close_all(account, now)
                if kind == "pause":
                    account.paused_until = (
                        parse_iso(payload["until"]) if "until" in payload else None
                    )
                return True, {"closed": closed}
            elif kind == "enable":
                account.disabled_at = None
                account.paused_until = None
            else:
                return False, {"error": f"unknown command kind {kind!r}"}
            return True, {}


# --- the wire ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body) if self.body else None


CONNECTION_ERRORS = (OSError, http.client.HTTPException)


class HttpTransport:
    """One keep-alive HTTP connection per thread to PropDesk, with the bridge's token."""

    def __init__(self, base_url: str, token: str, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.timeout = timeout
        self.local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.local.conn = conn
        return conn

    def request(self, method: str, path: str, body: bytes | None = None, timeout=None) -> Reply:
        conn = self._connection()
        if timeout is not None:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        try:
            conn.request(method, self.prefix + path, body=body, headers=self.headers)
            response = conn.getresponse()
            data = response.read()
        except CONNECTION_ERRORS:
            conn.close()
            self.local.conn = None
            raise
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)


class Sender:
    """Sends a request until PropDesk takes it: 503 (the feed's Redis is down), 429 (too many
    requests; Retry-After is honoured) and connection errors are retried with the same body,
    other answers are returned. Counts the retries by cause."""

    RETRIED = frozenset({429, 503})

    def __init__(
        self,
        transport,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        give_up_after: float = GIVE_UP_SECONDS,
    ) -> None:
        self.transport = transport
        self.sleep, self.clock = sleep, clock
        self.give_up_after = give_up_after
        self.retries: Counter = Counter()
        self.requests: Counter = Counter()
        self.lock = threading.Lock()

    def send(self, method: str, path: str, payload=None, timeout=None) -> Reply:
        body = None if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        deadline = self.clock() + self.give_up_after
        delay = 0.1
        while True:
            with self.lock:
                self.requests[re.sub(r"/\d+/", "/<id>/", path.split("?")[0])] += 1
            try:
                reply = self.transport.request(method, path, body, timeout=timeout)
            except CONNECTION_ERRORS as error:
                cause, wait, last = "connection", delay, error
            else:
                if reply.status not in self.RETRIED:
                    return reply
                cause, wait, last = str(reply.status), self._retry_after(reply, delay), reply
            with self.lock:
                self.retries[cause] += 1
            if self.clock() + wait > deadline:
                if isinstance(last, Reply):
                    return last
                raise last
            self.sleep(wait)
            delay = min(delay * 2, 5.0)

    @staticmethod
    def _retry_after(reply: Reply, default: float) -> float:
        try:
            return max(0.0, float(reply.headers.get("retry-after", default)))
        except ValueError:
            return default


# --- driving the simulator against PropDesk -------------------------------------------------


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class BridgeRunner:
    """Runs a `Simulator` against PropDesk: the tick loop, one sender thread per tick chunk (so
    an account's ticks arrive in order), a positions thread, a trades thread and the command
    long poll. `report()` is the run's account."""

    def __init__(
        self,
        sim: Simulator,
        sender: Sender,
        *,
        poll_wait: float = 20.0,
        tick_batch: int = TICKS_PER_REQUEST,
    ) -> None:
        self.sim, self.sender = sim, sender
        self.tick_batch = tick_batch  # ticks per request; one sender thread per group
        self.poll_wait = poll_wait
        self.stats: Counter = Counter()
        self.refusals: Counter = Counter()
        self.lock = threading.Lock()
        self.planted_sent_at: dict[str, float] = {}
        self.commands: list[dict] = []
        self.outcomes: dict[int, tuple[bool, dict]] = {}  # command id → (ok, result)
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self.queues: list[queue.Queue] = []
        self.threads: list[threading.Thread] = []
        self.positions_q: queue.Queue = queue.Queue()
        self.trades_q: queue.Queue = queue.Queue()
        self.seconds_sent = 0
        self.behind = 0  # seconds that started late (the loop could not keep up)
        self.accepted_at: list[tuple[float, int]] = []  # (wall time answered, ticks accepted)

    # --- senders ---------------------------------------------------------------------------

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _tick_sender(self, q: queue.Queue) -> None:
        while True:
            item = q.get()
            if item is None:
                return
            ticks, planted = item
            now = time.time()
            with self.lock:
                for login in planted:
                    self.planted_sent_at.setdefault(login, now)
            self._push("/api/live/ticks/", "ticks", ticks)

    def _push(self, path: str, kind: str, items: list) -> None:
        try:
            reply = self.sender.send("POST", path, {kind: items})
        except CONNECTION_ERRORS as error:
            with self.lock:
                self.stats[f"{kind}_lost"] += len(items)
                self.errors.append(f"{path}: {error}")
            return
        body = reply.json() if reply.body else {}
        with self.lock:
            self.stats[f"{kind}_sent"] += len(items)
            if kind in ("ticks", "positions"):
                accepted = body.get("accepted", 0) if isinstance(body, dict) else 0
                refused = body.get("refused", []) if isinstance(body, dict) else []
                if reply.status >= 400 and not refused:
                    self.errors.append(f"{path} {reply.status}: {reply.body[:300]!r}")
                    refused = [{"index": -1, "reason": f"HTTP {reply.status}"}] * len(items)
                self.stats[f"{kind}_accepted"] += accepted
                self.stats[f"{kind}_refused"] += len(refused)
                for r in refused[:20]:
                    self.refusals[r.get("reason", "")[:80]] += 1
                if kind == "ticks":
                    self.accepted_at.append((time.time(), accepted))
            else:  # trades: an import's answer
                if reply.status >= 300:
                    self.stats["trades_refused"] += len(items)
                    self.errors.append(f"{path} {reply.status}: {reply.body[:300]!r}")
                else:
                    self.stats["trades_accepted"] += len(items)

    def _list_sender(self, q: queue.Queue, path: str, kind: str, size: int) -> None:
        while True:
            item = q.get()
            if item is None:
                return
            items = list(item)
            while len(items) < size:  # join what queued meanwhile into one request
                try:
                    more = q.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    q.put(None)
                    break
                items.extend(more)
            for part in chunks(items, size):
                self._push(path, kind, part)

    # --- commands --------------------------------------------------------------------------

    def _command_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self.poll_commands(self.poll_wait)
            except CONNECTION_ERRORS as error:
                with self.lock:
                    self.errors.append(f"commands: {error}")
                time.sleep(0.5)

    def poll_commands(self, wait: float) -> int:
        """One long poll: carry out and acknowledge what came; the number of commands."""
        reply = self.sender.send(
            "GET", f"/api/live/commands/?wait={wait:g}&limit=500", timeout=wait + 30
        )
        received = time.time()
        if reply.status != 200:
            with self.lock:
                self.errors.append(f"commands {reply.status}: {reply.body[:300]!r}")
            time.sleep(1.0)
            return 0
        commands = reply.json().get("commands", [])
        for command in commands:
            first = command["id"] not in self.outcomes
            if first:  # a command handed out again (lease ran out) is acknowledged, not redone
                self.outcomes[command["id"]] = self.sim.apply_command(command, int(received))
            ok, result = self.outcomes[command["id"]]
            with self.lock:
                self.commands.append(
                    {
                        "id": command["id"],
                        "kind": command["kind"],
                        "login": command.get("login"),
                        "received_at": received,
                        "again": not first,
                        "ok": ok,
                    }
                )
            trades = self._take_trades()
            if trades:
                self.trades_q.put(trades)
            ack = self.sender.send(
                "POST", f"/api/live/commands/{command['id']}/ack/", {"ok": ok, "result": result}
            )
            if ack.status != 200:
                with self.lock:
                    self.errors.append(f"ack {command['id']} {ack.status}: {ack.body[:200]!r}")
        return len(commands)

    def _take_trades(self) -> list[dict]:
        with self.sim.lock:
            trades, self.sim.pending_trades = self.sim.pending_trades, []
        return trades

    # --- the loop --------------------------------------------------------------------------

    def start(self, *, commands: bool = True) -> None:
        n_chunks = max(1, -(-len(self.sim.accounts) // self.tick_batch))
        self.queues = [queue.Queue(maxsize=30) for _ in range(n_chunks)]
        for q in self.queues:
            self._start(self._tick_sender, q)
        self._start(
            self._list_sender,
            self.positions_q,
            "/api/live/positions/",
            "positions",
            POSITIONS_PER_REQUEST,
        )
        self._start(
            self._list_sender, self.trades_q, "/api/bridge/trades/", "trades", TRADES_PER_REQUEST
        )
        if commands:
            self._start(self._command_loop)

    def emit(self, second: Second, *, spread: float = 0.0) -> None:
        """Hand one second's output to the senders (blocks when they are 30 seconds behind).

        With `spread` (seconds) the requests of the second go out evenly over that time, as a
        platform's ticks come in through the second, instead of all at its start."""
        planted = set(second.planted)
        parts = chunks(second.ticks, self.tick_batch)
        started = time.monotonic()
        for n, part in enumerate(parts):
            if spread:
                delay = started + spread * n / len(parts) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            q = self.queues[n % len(self.queues)]
            q.put((part, [t["account"] for t in part if t["account"] in planted]))
        if second.position_sets:
            self.positions_q.put(second.position_sets)
        if second.trades:
            self.trades_q.put(second.trades)
        self.seconds_sent += 1

    def run(
        self,
        seconds: int,
        *,
        realtime: bool = True,
        start_ts: int | None = None,
        spread: float = 0.9,
    ) -> None:
        """`seconds` seconds of ticks: at the wall clock's pace (`realtime`) with the current
        time, each second's requests spread over `spread` seconds; else as fast as the senders
        take them, with times from `start_ts` on."""
        begin = time.monotonic()
        for n in range(seconds):
            if realtime:
                delay = begin + n - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -0.5:
                    self.behind += 1
                ts = int(time.time())
                self.emit(self.sim.second(ts), spread=spread)
            else:
                ts = (start_ts or int(time.time())) + n
                self.emit(self.sim.second(ts))

    def drain(self, timeout: float = 120.0) -> None:
        """Wait until everything queued was sent, then stop the senders and the command poll."""
        for q in self.queues:
            q.put(None)
        deadline = time.monotonic() + timeout
        tick_threads = self.threads[: len(self.queues)]
        for thread in tick_threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        leftover = self._take_trades()
        if leftover:
            self.trades_q.put(leftover)
        self.positions_q.put(None)
        self.trades_q.put(None)
        self.stopping.set()
        for thread in self.threads[len(self.queues) :]:
            thread.join(max(0.0, min(5.0, deadline - time.monotonic())))

    def report(self) -> dict:
        with self.lock:
            by_kind: dict[str, list] = defaultdict(list)
            for c in self.commands:
                if not c["again"]:
                    by_kind[c["kind"]].append(
                        {
                            "id": c["id"],
                            "login": c["login"],
                            "received_at": round(c["received_at"], 3),
                        }
                    )
            return {
                "seconds": self.seconds_sent,
                "seconds_behind": self.behind,
                "accounts": len(self.sim.accounts),
                "ticks": {
                    "sent": self.stats["ticks_sent"],
                    "accepted": self.stats["ticks_accepted"],
                    "refused": self.stats["ticks_refused"],
                    "lost": self.stats["ticks_lost"],
                },
                "positions": {
                    "sent": self.stats["positions_sent"],
                    "accepted": self.stats["positions_accepted"],
                    "refused": self.stats["positions_refused"],
                },
                "trades": {
                    "sent": self.stats["trades_sent"],
                    "accepted": self.stats["trades_accepted"],
                    "refused": self.stats["trades_refused"],
                },
                "refusal_reasons": dict(self.refusals.most_common(10)),
                "requests": dict(self.sender.requests),
                "retries": dict(self.sender.retries),
                "commands": {kind: items for kind, items in sorted(by_kind.items())},
                "commands_redelivered": sum(c["again"] for c in self.commands),
                "trades_opened_while_disabled": self.sim.trades_by_disabled(),
                "opens_refused_while_disabled": self.sim.blocked_opens,
                "planted": {
                    login: round(at, 3) for login, at in sorted(self.planted_sent_at.items())
                },
                "errors": self.errors[:20],
            }


# --- the command line -----------------------------------------------------------------------


def logins_of_bridge(token: str) -> list[str]:
    """The open accounts run by the bridge whose token this is (reads PropDesk's database:
    DATABASE_URL and DJANGO_SETTINGS_MODULE as for manage.py)."""
    import os

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from evaluations.models import TradingAccount
    from evaluations.models.accounts import OPEN_STATUSES

    user = Token.objects.select_related("user").get(key=token).user
    return list(
        TradingAccount.objects.filter(bridge__user=user, status__in=OPEN_STATUSES)
        .order_by("login")
        .values_list("login", flat=True)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="PropDesk's base URL")
    parser.add_argument("--token", required=True, help="the bridge's API token (create_bridge)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--accounts", help="comma-separated platform logins")
    which.add_argument(
        "--all-of-bridge", action="store_true", help="every open account of the bridge"
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--balance", default="100000.00", help="each account's starting balance")
    parser.add_argument(
        "--plant",
        action="append",
        default=[],
        metavar="LOGIN:SECOND:EQUITY",
        help="from that second on, that account's ticks show that equity",
    )
    args = parser.parse_args(argv)
    logins = logins_of_bridge(args.token) if args.all_of_bridge else args.accounts.split(",")
    run_tag = f"{int(time.time()) % 10**8}-"
    sim = Simulator(
        [x.strip() for x in logins if x.strip()],
        seed=args.seed,
        balance=int(Decimal(args.balance) * 100),
        ticket_prefix=f"sim{run_tag}",
        platform_prefix=f"SIM{run_tag}",
    )
    for spec in args.plant:
        login, second, equity = spec.rsplit(":", 2)
        sim.plant(login, int(second), int(Decimal(equity) * 100))
    runner = BridgeRunner(sim, Sender(HttpTransport(args.url, args.token)))
    runner.start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop early, still report
        runner.run(args.seconds)
    runner.drain()
    print(json.dumps(runner.report(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
