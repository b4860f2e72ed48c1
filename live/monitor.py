"""The live monitor process: leases shards, reads their streams, evaluates every tick.

Any number of monitor processes run on any number of machines; they share only Redis and
PostgreSQL (docs/live-risk.md):

- **Shards.** Accounts are spread over `LIVE_SHARDS` streams. A process holds a shard by a lease
  (`SET live:{sN}:lease <id> NX PX`), renewed every half second; the live processes heartbeat in
  a sorted set and each aims at its share of the shards, so a second process takes half of them
  over from the first within a second or two, and a killed one's shards are taken over when
  its leases run out.
- **At least once, in order.** Entries are read through the stream's consumer group and
  acknowledged only after what they caused is committed: breaches and alerts in PostgreSQL at
  once, the accounts' state in the shard's state hash every `LIVE_SAVE_SECONDS` (then the
  entries evaluated since are acknowledged). A process that takes a shard over first claims the
  entries another process read but never acknowledged (`XAUTOCLAIM`) and evaluates them again
  from the last saved state: a breach found twice inserts nothing the second time (violation and
  command keys are unique), so a SIGKILL loses no breach and duplicates none.
- **Constant time per tick.** The pure evaluator (`live.engine.evaluator`) checks a tick against
  the account's limits; the state of the shard's accounts stays in memory while the lease is
  held and is written back to Redis after every batch.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import time
import uuid

import redis
from django.conf import settings
from django.db import connection

from live import state
from live.engine.evaluator import merge, on_positions, on_tick
from live.engine.types import LiveLimits, LiveState, NearLimit
from live.services import alerts, bars, breaches
from live.services import limits as limits_service
from live.shards import OPEN, Account, Found, Shard, view_row
from risk.engine.types import Breach

log = logging.getLogger(__name__)

REBALANCE_SECONDS = 0.5
BAR_SWEEP_SECONDS = 30.0  # bars of accounts that stopped ticking are written after this
VIEW_SECONDS = 2.0  # how often the staff view's nearest-to-limit set is updated per shard
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Monitor:
    def __init__(self, *, name: str | None = None, count: int = 100) -> None:
        self.id = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.count = count
        self.redis = state.client()
        self.shards: dict[int, Shard] = {}
        self.rebalanced_at = 0.0
        self.renewed_at = 0.0
        self._renew = self.redis.register_script(_RENEW)
        self._release = self.redis.register_script(_RELEASE)
        self.processed = 0  # ticks and position sets evaluated, for the benchmark

    # --- leases -------------------------------------------------------------------------

    def rebalance(self) -> None:
        now_ms = int(time.time() * 1000)
        lease_ms = settings.LIVE_LEASE_MS
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(state.MONITORS, {self.id: now_ms})
        pipe.zremrangebyscore(state.MONITORS, 0, now_ms - 2 * lease_ms)
        pipe.zcard(state.MONITORS)
        alive = max(1, pipe.execute()[2])
        total = state.shards()
        target = math.ceil(total / alive)
        self.renew()
        while len(self.shards) > target:
            number = max(self.shards)
            self.release(number)
        if len(self.shards) < target:
            start = hash(self.id) % total
            for k in range(total):
                number = (start + k) % total
                if number in self.shards:
                    continue
                if self.redis.set(state.lease_key(number), self.id, nx=True, px=lease_ms):
                    self.take_over(number)
                    if len(self.shards) >= target:
                        break
        self.rebalanced_at = time.monotonic()

    def renew(self) -> None:
        """Renew the leases held; forget the shards whose lease ran out (another process may
        hold them now). Also called between the shards of a long step: working through a
        backlog can take longer than a lease, and a lease lost then made the process drop and
        reload every shard (bench/live.py saw all 16 lost while draining a 300,000-tick
        backlog)."""
        lease_ms = settings.LIVE_LEASE_MS
        for number in list(self.shards):
            if not self._renew(keys=[state.lease_key(number)], args=[self.id, lease_ms]):
                log.warning("%s lost shard %s", self.id, number)
                del self.shards[number]
        self.renewed_at = time.monotonic()

    def take_over(self, number: int) -> None:
        stream = state.stream_key(number)
        try:
            self.redis.xgroup_create(stream, state.GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        cursor = "0-0"
        while True:  # every entry read by another process and never acknowledged is ours now
            cursor, claimed, *_ = self.redis.xautoclaim(
                stream, state.GROUP, self.id, min_idle_time=0, start_id=cursor, count=1000
            )
            if not claimed or cursor in (b"0-0", "0-0"):
                break
        self.shards[number] = Shard(number)
        log.info("%s took shard %s", self.id, number)

    def release(self, number: int) -> None:
        shard = self.shards.pop(number)
        self.save(shard, force=True)
        self.flush_bars(shard, everything=True)
        self._release(keys=[state.lease_key(number)], args=[self.id])
        log.info("%s released shard %s", self.id, number)

    def close(self) -> None:
        for number in list(self.shards):
            self.release(number)
        self.redis.zrem(state.MONITORS, self.id)

    # --- the loop ------------------------------------------------------------------------

    def run(self, *, stop=lambda: False, idle_max: float = 0.005) -> None:
        idle = 0.0
        flushed_at = time.monotonic()
        try:
            while not stop():
                try:
                    if time.monotonic() - self.rebalanced_at >= REBALANCE_SECONDS:
                        self.rebalance()
                    if time.monotonic() - flushed_at >= BAR_SWEEP_SECONDS:
                        for shard in list(self.shards.values()):
                            self.flush_bars(shard)
                        flushed_at = time.monotonic()
                    worked = self.step()
                except state.REDIS_ERRORS as error:
                    # Redis is down or restarting: hold nothing (the leases may run out meanwhile),
                    # wait, and take the shards again, their unacknowledged entries included.
                    log.warning("%s: Redis unreachable (%s); retrying", self.id, error)
                    self.shards.clear()
                    self.rebalanced_at = 0.0
                    time.sleep(0.5)
                    continue
                if worked:
                    idle = 0.0
                else:
                    idle = min(idle_max, idle + 0.002)
                    time.sleep(idle)
        finally:
            try:
                self.close()
            except state.REDIS_ERRORS:
                log.warning("%s stopped without releasing its leases (Redis down)", self.id)

    def step(self) -> int:
        """Read and evaluate one batch from every held shard; the number of entries done."""
        if not self.shards:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        numbers = list(self.shards)
        for number in numbers:
            shard = self.shards[number]
            position = shard.backlog_from or ">"
            pipe.xreadgroup(
                state.GROUP, self.id, {state.stream_key(number): position}, count=self.count
            )
        done = 0
        for number, reply in zip(numbers, pipe.execute(), strict=True):
            if time.monotonic() - self.renewed_at >= REBALANCE_SECONDS:
                self.renew()
            shard = self.shards.get(number)
            entries = reply[0][1] if reply else []
            if shard is None:
                continue
            if not entries:
                shard.backlog_from = None
                self.save(shard, force=False)
                self.update_view(shard, force=False)
                continue
            try:
                self.process(shard, entries)
            except Exception:
                # Nothing of this batch is acknowledged: forget the in-memory state, read it
                # again from Redis and evaluate our pending entries again (on a new database
                # connection, in case the old one is what failed).
                log.exception("%s: shard %s batch failed; it is evaluated again", self.id, number)
                connection.close()
                self.shards[number] = Shard(number)
                time.sleep(0.2)
                continue
            if shard.backlog_from is not None:
                last = entries[-1][0]
                shard.backlog_from = last.decode() if isinstance(last, bytes) else last
            self.save(shard, force=False)
            done += len(entries)
        return done

    # --- one batch -----------------------------------------------------------------------

    def load(self, shard: Shard, account_ids: set[int], refreshed: set[int] = frozenset()) -> None:
        """Bring the accounts' limits and state into memory (Redis, else PostgreSQL).

        `refreshed`: accounts whose first row in the batch is a refresh, which brings limits and
        state before any tick: they are not evaluated from PostgreSQL here (after `live_limits`
        on a fresh Redis, the first batches evaluated all 10,000 accounts of bench/live.py one
        by one, and outlasted the shard leases)."""
        missing = [a for a in account_ids if a not in shard.accounts]
        if not missing:
            return
        fields = [str(a) for a in missing]
        pipe = self.redis.pipeline(transaction=False)
        pipe.hmget(state.limits_key(shard.number), fields)
        pipe.hmget(state.state_key(shard.number), fields)
        limits_rows, state_rows = pipe.execute()
        for account_id, raw_limits, raw_state in zip(missing, limits_rows, state_rows, strict=True):
            limits = meta = None
            engine_state = None
            if raw_limits is None and account_id in refreshed:
                pass  # limits and state come with the refresh row, before any tick
            elif raw_limits is None:
                row = limits_service.load_now(account_id)
                if row is not None:
                    _, limits_dict, meta, state_dict = row
                    limits = LiveLimits.from_dict(limits_dict)
                    engine_state = LiveState.from_dict(state_dict)
                    self.redis.hset(
                        state.limits_key(shard.number),
                        str(account_id),
                        json.dumps({"l": limits_dict, "m": meta}),
                    )
            else:
                stored = json.loads(raw_limits)
                limits, meta = LiveLimits.from_dict(stored["l"]), stored["m"]
            account = Account(limits=limits, meta=meta or {}, state=engine_state)
            if raw_state is not None:
                saved = json.loads(raw_state)
                if saved.get("s") is not None:
                    account.state = LiveState.from_dict(saved["s"])
                account.bar = saved.get("b")
                account.balance = saved.get("bal")
                account.positions = saved.get("p") or []
                account.positions_ts = saved.get("pt") or 0
            elif account.state is None and limits is not None and account_id not in refreshed:
                row = limits_service.load_now(account_id)
                if row is not None:
                    account.state = LiveState.from_dict(row[3])
            shard.accounts[account_id] = account

    def process(self, shard: Shard, entries: list) -> None:
        decoded = []
        first: dict[int, str] = {}  # account id → the kind of its first row in the batch
        for _entry_id, fields in entries:
            kind = fields[b"k"].decode()
            rows = json.loads(fields[b"d"])
            decoded.append((kind, rows))
            for row in rows:
                first.setdefault(row[0], kind)
        self.load(shard, set(first), {a for a, kind in first.items() if kind == "refresh"})
        found = Found()
        for kind, rows in decoded:
            handle = {"ticks": self.tick, "positions": self.positions, "refresh": self.refresh}
            for row in rows:
                handle[kind](shard, row, found)
        self.commit(shard, found)
        shard.unacked.extend(e[0] for e in entries)

    def tick(self, shard: Shard, row: list, found: Found) -> None:
        account_id, ts, balance, equity, received_ms = row
        account = shard.accounts.get(account_id)
        if account is None:
            return
        live = account.state
        if live is not None and ts <= live.last_ts:
            if ts < live.last_ts:
                found.late.append((account_id, ts, balance, equity, received_ms))
                found.bars.append((account_id, ts - ts % 60, equity, equity, equity, balance, 0))
            return
        self.processed += 1
        account.balance = balance
        self._bar(account, account_id, ts, balance, equity, found)
        found.dirty.add(account_id)
        if not account.evaluated:
            if live is not None:
                live.last_ts = ts
            return
        events = on_tick(account.limits, live, ts, equity)
        self._found(account_id, account, events, ts, balance, equity, received_ms, found)

    def positions(self, shard: Shard, row: list, found: Found) -> None:
        account_id, ts, positions, received_ms = row
        account = shard.accounts.get(account_id)
        if account is None or ts < account.positions_ts:
            return
        self.processed += 1
        account.positions, account.positions_ts = positions, ts
        found.dirty.add(account_id)
        if not account.evaluated:
            return
        live = account.state
        events = on_positions(account.limits, live, ts, [(p[0], p[3]) for p in positions])
        balance = account.balance if account.balance is not None else live.balance
        self._found(account_id, account, events, ts, balance, live.equity, received_ms, found)

    def refresh(self, shard: Shard, row: list, found: Found) -> None:
        account_id, limits_dict, meta, state_dict = row
        account = shard.accounts.get(account_id)
        limits = LiveLimits.from_dict(limits_dict)
        fresh = LiveState.from_dict(state_dict)
        if account is None:
            shard.accounts[account_id] = Account(limits=limits, meta=meta, state=fresh)
        else:
            # A rule-set change starts from the engine's state (its breaches carry the record),
            # and so does an account open again after a failure (reinstated).
            same_rules = account.limits is not None and account.limits == limits
            reopened = meta.get("status") in OPEN and account.meta.get("status") not in OPEN
            if account.state is not None and same_rules and not reopened:
                account.state = merge(limits, account.state, fresh)
            else:
                account.state = fresh
            account.limits, account.meta = limits, meta
        found.dirty.add(account_id)

    def _bar(self, account: Account, account_id: int, ts: int, balance: int, equity: int, found):
        minute = ts - ts % 60
        bar = account.bar
        if bar is None or bar[0] != minute:
            if bar is not None:
                found.bars.append((account_id, *bar))
            account.bar = [minute, equity, equity, equity, balance, 1]
        else:
            bar[1] = min(bar[1], equity)
            bar[2] = max(bar[2], equity)
            bar[3], bar[4] = equity, balance
            bar[5] += 1

    def _found(self, account_id, account, events, ts, balance, equity, received_ms, found):
        for event in events:
            if isinstance(event, Breach):
                seen = breaches.Seen(
                    ts=ts,
                    balance=balance,
                    equity=equity,
                    received_ms=received_ms,
                    positions=tuple(account.positions),
                    pause_until=account.state.day_end_ts if event.severity == "soft" else None,
                )
                found.breaches.append((account_id, event, seen))
                if event.severity == "hard":
                    account.meta["status"] = "failed"
            elif isinstance(event, NearLimit):
                found.alerts.append((account_id, account.meta, event, balance, received_ms))

    def commit(self, shard: Shard, found: Found) -> None:
        """Write what the batch found, then the state: only then may it be acknowledged."""
        for account_id, breach, seen in found.breaches:
            breaches.record_breach(account_id, breach, seen)
        for account_id, meta, alert, balance, received_ms in found.alerts:
            alerts.record_alert(account_id, meta, alert, balance, received_ms)
        shard.bars.extend(found.bars)
        shard.late.extend(found.late)
        shard.unsaved |= found.dirty
        shard.view_dirty |= found.dirty
        self.update_view(shard, force=bool(found.breaches))

    def save(self, shard: Shard, *, force: bool) -> None:
        """Write the changed accounts' state to the shard's state hash, then acknowledge the
        entries evaluated since the last save: every LIVE_SAVE_SECONDS, not every batch (an account
        ticking each second is written once per save, not once per tick). Until then the
        entries stay pending: a process that dies meanwhile leaves them to the next holder,
        which evaluates them again from the last saved state — breaches and alerts found
        again insert nothing (their keys are unique)."""
        if not shard.unacked and not shard.unsaved:
            return
        if not force and time.monotonic() - shard.saved_at < settings.LIVE_SAVE_SECONDS:
            return
        # Finished minute bars and late ticks go to PostgreSQL here, off the path from a tick
        # to its breach (at a minute's turn every account finishes a bar within a second).
        bars.write_bars(shard.bars)
        bars.write_late_ticks(shard.late)
        shard.bars, shard.late = [], []
        pipe = self.redis.pipeline(transaction=False)
        if shard.unsaved:
            mapping = {
                str(a): shard.accounts[a].dump() for a in shard.unsaved if a in shard.accounts
            }
            if mapping:
                pipe.hset(state.state_key(shard.number), mapping=mapping)
        if shard.unacked:
            pipe.xack(state.stream_key(shard.number), state.GROUP, *shard.unacked)
        pipe.execute()
        shard.unsaved, shard.unacked = set(), []
        shard.saved_at = time.monotonic()

    def update_view(self, shard: Shard, *, force: bool) -> None:
        """The staff monitor's nearest-to-limit set, at most once a second per shard."""
        now = time.monotonic()
        if not shard.view_dirty or (not force and now - shard.view_at < VIEW_SECONDS):
            return
        scores, details, gone = {}, {}, []
        for account_id in shard.view_dirty:
            account = shard.accounts.get(account_id)
            if account is None or account.state is None:
                continue
            if account.meta.get("status") not in OPEN:
                gone.append(str(account_id))
                continue
            live = account.state
            scores[str(account_id)] = max(live.used_daily_bp or 0, live.used_total_bp or 0)
            details[str(account_id)] = json.dumps(view_row(account), separators=(",", ":"))
        pipe = self.redis.pipeline(transaction=False)
        if scores:
            pipe.zadd(state.USED, scores)
            pipe.hset(state.DETAIL, mapping=details)
        if gone:
            pipe.zrem(state.USED, *gone)
            pipe.hdel(state.DETAIL, *gone)
        pipe.execute()
        shard.view_dirty = set()
        shard.view_at = now

    def flush_bars(self, shard: Shard, *, everything: bool = False) -> None:
        """Write the bars of minutes that are over (all of them when releasing the shard)."""
        current = int(time.time()) // 60 * 60
        rows = []
        for account_id, account in shard.accounts.items():
            if account.bar and (everything or account.bar[0] < current - 60):
                rows.append((account_id, *account.bar))
                if not everything:
                    account.bar = None
        bars.write_bars(rows)
