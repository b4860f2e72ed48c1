"""Shared or multiple accounts: different traders signing in from the same IP address, the same
device (the portal's stable device id with the user agent), or paid to the same destination.

Input: (trader_id, kind, value) facts, kind one of "ip", "device", "payout_destination". Every
value used by at least two traders gives one finding naming them. Score by kind: a shared
device or payout destination is near-proof (0.9), a shared IP alone may be an office or a
mobile carrier (0.5). Values are compared as given (the loader normalises them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .types import Finding

DETECTOR = "shared_identity"
KIND_SCORES = {"device": 0.9, "payout_destination": 0.9, "ip": 0.5}
KIND_WORDS = {"device": "device", "payout_destination": "payout destination", "ip": "IP address"}
MAX_TRADERS = 20  # more traders behind one value is a public network, not a ring


def detect_shared_identity(
    facts: Iterable[tuple[int, str, str]],
    *,
    accounts_by_trader: dict[int, tuple[int, ...]] | None = None,
    max_traders: int = MAX_TRADERS,
) -> list[Finding]:
    """One finding per (kind, value) shared by 2..max_traders traders."""
    traders_by_value: dict[tuple[str, str], set[int]] = defaultdict(set)
    for trader_id, kind, value in facts:
        if value:
            traders_by_value[kind, value].add(trader_id)
    accounts_by_trader = accounts_by_trader or {}
    findings = []
    for (kind, value), traders in sorted(traders_by_value.items()):
        if not 2 <= len(traders) <= max_traders:
            continue
        trader_ids = tuple(sorted(traders))
        shown = value if kind != "payout_destination" else value[:4] + "…" + value[-4:]
        findings.append(
            Finding(
                detector=DETECTOR,
                key=f"{DETECTOR}:{kind}:{value}"[:200],
                score=KIND_SCORES[kind],
                trader_ids=trader_ids,
                account_ids=tuple(
                    sorted(a for t in trader_ids for a in accounts_by_trader.get(t, ()))
                ),
                summary=f"{len(trader_ids)} traders share one {KIND_WORDS[kind]} ({shown})",
                evidence={"kind": kind, "value": shown, "traders": list(trader_ids)},
            )
        )
    return findings
