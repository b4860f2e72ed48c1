"""News trading: a position opened or closed within ±N minutes (inclusive) of a calendar event
of at least the rule's impact (high ⊃ medium ⊃ low) whose currency concerns the symbol.

A currency concerns a symbol when its code appears in the symbol ("EURUSD" → EUR, USD;
"XAUUSD" → USD) or the symbol is a known index/future: NAS100, US30, US500, SPX500, US2000, ES,
NQ, YM, RTY, MES, MNQ, MYM, M2K → USD; GER40, DE40, GER30, DAX, FDAX, EU50, FESX → EUR; UK100,
FTSE → GBP; JP225 → JPY. Futures month codes ("NQH6", "MNQZ25") and broker suffixes
(".pro", "-m") are stripped first. One breach per (trade, event), keyed
"news_trading:trade:<id>:event:<id>", at the trade's open (or close, if only that is near).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from ..daybook import DayBook
from ..timeline import Timeline
from ..types import Breach, NewsEventIn, RuleIn
from ..wording import format_utc

IMPACT_RANK = {"low": 1, "medium": 2, "high": 3}
USD_INDICES = (
    "NAS100", "US100", "USTEC", "US30", "DJ30", "US500", "SPX500", "SP500", "US2000",
    "ES", "NQ", "YM", "RTY", "MES", "MNQ", "MYM", "M2K",
)  # fmt: skip
EUR_INDICES = ("GER40", "DE40", "GER30", "DE30", "DAX", "FDAX", "EU50", "STOXX50", "FESX")
INDEX_CURRENCIES = {
    **dict.fromkeys(USD_INDICES, "USD"),
    **dict.fromkeys(EUR_INDICES, "EUR"),
    **dict.fromkeys(("UK100", "FTSE"), "GBP"),
    **dict.fromkeys(("JP225", "JPN225", "NIKKEI"), "JPY"),
}
_SUFFIX = re.compile(r"[.\-_ /].*$")
_FUTURES_MONTH = re.compile(r"^([A-Z0-9]+?)[FGHJKMNQUVXZ]\d{1,2}$")


@lru_cache(maxsize=4096)
def symbol_currencies(symbol: str) -> frozenset[str]:
    """Currencies an index/future symbol stands for (empty for FX and metals, which name
    their currencies in the symbol itself)."""
    root = _SUFFIX.sub("", symbol.upper())
    if root in INDEX_CURRENCIES:
        return frozenset({INDEX_CURRENCIES[root]})
    match = _FUTURES_MONTH.match(root)
    if match and match.group(1) in INDEX_CURRENCIES:
        return frozenset({INDEX_CURRENCIES[match.group(1)]})
    return frozenset()


def concerns(symbol: str, currency: str) -> bool:
    """Does an event in `currency` concern trades in `symbol`?"""
    code = currency.upper()
    return code in symbol.upper() or code in symbol_currencies(symbol)


def news_trading(
    timeline: Timeline, book: DayBook, rule: RuleIn, calendar: tuple[NewsEventIn, ...]
) -> list[Breach]:
    """One breach per (trade, event) where the open or the close is within the window."""
    minutes = int(rule.params.get("minutes", 2))
    rank = IMPACT_RANK[rule.params.get("impact", "high")]
    window = minutes * 60
    events = [e for e in calendar if IMPACT_RANK.get(e.impact, 0) >= rank]
    if not events or not timeline.trades:
        return []
    events.sort(key=lambda e: (e.ts, e.id))
    ev_ts = [e.ts for e in events]
    breaches = []
    for t in timeline.trades:
        seen: set[int] = set()
        for when, moment in ((t.open_ts, "opened"), (t.close_ts, "closed")):
            lo = bisect_left(ev_ts, when - window)
            hi = bisect_right(ev_ts, when + window)
            for event in events[lo:hi]:
                if event.id in seen or not concerns(t.symbol, event.currency):
                    continue
                seen.add(event.id)
                gap = abs(when - event.ts)
                title = f" “{event.title}”" if event.title else ""
                breaches.append(
                    Breach(
                        code="news_trading",
                        severity=rule.severity,
                        ts=when,
                        threshold=window,
                        observed=gap,
                        unit="seconds",
                        key=f"news_trading:trade:{t.id}:event:{event.id}",
                        message=(
                            f"Trade #{t.ticket} ({t.symbol}) was {moment} {gap // 60} min "
                            f"{gap % 60} s from the {event.impact}-impact {event.currency} "
                            f"event{title} at {format_utc(event.ts)} (window ±{minutes} min)."
                        ),
                        day=book.label(when),
                        trade_ids=(t.id,),
                        details={
                            "event_id": event.id,
                            "event_ts": event.ts,
                            "currency": event.currency,
                            "impact": event.impact,
                            "moment": moment,
                        },
                    )
                )
    return breaches
