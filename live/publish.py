"""Putting accepted feed items on the shard streams, one XADD per shard touched.

An entry is `{"k": kind, "d": JSON list}`: kind "ticks" holds `[account_id, ts, balance,
equity, received_ms]` rows; "positions" holds `[account_id, ts, [[id, symbol, side, volume,
open_ts, open_price, profit], …], received_ms]`; "refresh" holds engine refreshes written by
`live.services.limits`. The monitor that leases the shard reads them in order (docs/live-risk.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from . import state

# A shard stream keeps at most about this many entries (one entry is one request's items for
# that shard); only entries every monitor has read are ever that old.
STREAM_MAXLEN = 100_000


def publish(kind: str, rows: Iterable[tuple[int, list]]) -> int:
    """Append (account_id, row) pairs to their shards' streams; returns the entries written.

    Raises one of `state.REDIS_ERRORS` when Redis cannot take them (nothing is half-written per
    shard; a bridge retries the whole request and the monitors ignore what they already saw).
    """
    by_shard: dict[int, list] = defaultdict(list)
    for account_id, row in rows:
        by_shard[state.shard_of(account_id)].append(row)
    if not by_shard:
        return 0
    pipe = state.client().pipeline(transaction=False)
    for shard, shard_rows in by_shard.items():
        body = json.dumps(shard_rows, separators=(",", ":"))
        pipe.xadd(state.stream_key(shard), {"k": kind, "d": body}, maxlen=STREAM_MAXLEN)
    pipe.execute()
    return len(by_shard)
