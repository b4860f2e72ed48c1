"""Checkpoint for the incremental evaluation: this process keeps the converted trades of the
accounts it evaluated last, and reads only the newer ones when the rest are unchanged.

An import adds trades with higher ids; re-reading and converting an account's whole history
(10,000 trades: ~25 ms) is then wasted. For a cached account we ask PostgreSQL for one number
about the rows we already hold (id ≤ watermark): their count and the sum of a hash of each row's
version (`ctid`, `xmin`: every UPDATE writes a new row version, every DELETE drops one). If they
match, only rows with id > watermark are read; otherwise the account is read in full. The
engine input is identical either way (`tests/risk/test_trade_checkpoint.py`).

The cache is per process, bounded (MAX_TRADES trades in total, least recently used out), and
needs no invalidation: a stale entry simply fails the check.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from operator import attrgetter

from evaluations.models import Trade
from risk.engine.types import TradeIn

from . import loading

MAX_TRADES = 300_000


@dataclass(frozen=True, slots=True)
class _Entry:
    watermark: int  # highest trade id held
    count: int
    version_sum: int  # sum of hashtext(ctid || xmin) over the rows held
    trades: tuple[TradeIn, ...]


_cache: OrderedDict[int, _Entry] = OrderedDict()


def clear() -> None:
    _cache.clear()


def _remember(account_id: int, entry: _Entry) -> None:
    _cache[account_id] = entry
    _cache.move_to_end(account_id)
    while sum(len(e.trades) for e in _cache.values()) > MAX_TRADES and len(_cache) > 1:
        _cache.popitem(last=False)


def _held_rows_check(cursor, account_id: int, watermark: int) -> tuple[int, int]:
    sql = "SELECT count(*), coalesce(sum(hashtext(ctid::text || ':' || xmin::text)), 0) "
    sql += f"FROM {Trade._meta.db_table} WHERE account_id = %s AND id <= %s"  # noqa: S608
    cursor.execute(sql, [account_id, watermark])
    count, version_sum = cursor.fetchone()
    return count, int(version_sum)


def load_trades(cursor, account_id: int) -> tuple[TradeIn, ...]:
    """The account's trades as engine input, sorted by (close second, id): from the
    checkpoint plus newer rows when the held rows are unchanged, else read in full."""
    entry = _cache.get(account_id)
    if entry is not None and _held_rows_check(cursor, account_id, entry.watermark) == (
        entry.count,
        entry.version_sum,
    ):
        cursor.execute(
            loading.rows_sql("trades", one=True, where="account_id = %s AND id > %s"),
            [account_id, entry.watermark],
        )
        rows = cursor.fetchall()
        if not rows:
            _cache.move_to_end(account_id)
            return entry.trades
        new = loading.trade_ins(rows)
        trades = tuple(sorted(entry.trades + new, key=attrgetter("close_ts", "id")))
        watermark = max(entry.watermark, max(r[1] for r in rows))
        version_sum = entry.version_sum + sum(r[-1] for r in rows)
        _remember(account_id, _Entry(watermark, len(trades), version_sum, trades))
        return trades
    cursor.execute(loading.rows_sql("trades", one=True), [account_id])
    rows = cursor.fetchall()
    trades = loading.trade_ins(rows)
    if rows:
        watermark = max(r[1] for r in rows)
        _remember(account_id, _Entry(watermark, len(rows), sum(r[-1] for r in rows), trades))
    else:
        _cache.pop(account_id, None)
    return trades
