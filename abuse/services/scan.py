"""The firm-wide abuse scans: a full scan of the lookback period (nightly, in beat) and the
incremental scan of the window around each import's new trades (after every import or bridge
push, through `evaluations.hooks.enqueue_trades_arrived`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from risk.engine.rules.hedging import hedged_pairs

from ..detectors import copy_trading, group_hedging, scalping
from ..detectors.copy_trading import candidate_matches, detect_copy_trading
from ..detectors.group_hedging import detect_group_hedging
from ..detectors.scalping import detect_tick_scalping
from ..detectors.shared_identity import detect_shared_identity
from ..detectors.types import Finding, TradeFact
from ..thresholds import thresholds
from . import loading
from .cases import Stored, store_findings


@dataclass(frozen=True)
class ScanReport:
    trades: int
    findings: int
    new_findings: int
    new_cases: tuple[int, ...]


def trade_findings(trades: Sequence[TradeFact]) -> list[Finding]:
    """Every trade detector over these trades, with the firm's thresholds."""
    return [
        *detect_copy_trading(trades, **thresholds(copy_trading.DETECTOR)),
        *detect_group_hedging(trades, **thresholds(group_hedging.DETECTOR)),
        *detect_tick_scalping(trades, **thresholds(scalping.DETECTOR)),
    ]


def identity_findings(trader_ids: Iterable[int] | None = None) -> list[Finding]:
    facts = loading.identity_facts(trader_ids)
    traders = {t for t, _, _ in facts}
    found = detect_shared_identity(facts, accounts_by_trader=loading.accounts_by_trader(traders))
    if trader_ids is None:
        return found
    wanted = set(trader_ids)
    return [f for f in found if wanted & set(f.trader_ids)]


def _lookback(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=thresholds("scan")["lookback_days"])


def _report(trades: int, found: list[Finding], stored: Stored) -> ScanReport:
    return ScanReport(trades, len(found), stored.new_findings, tuple(stored.new_cases))


def full_scan(*, now: dt.datetime | None = None) -> ScanReport:
    """Scan every trade opened in the lookback period and every identity fact."""
    now = now or timezone.now()
    trades = loading.trades_opened_between(_lookback(now), now)
    found = trade_findings(trades) + identity_findings()
    return _report(len(trades), found, store_findings(found, now=now))


def partners_in_window(trades: Sequence[TradeFact], accounts: set[int]) -> set[int]:
    """Accounts with a copy or hedge candidate pair against one of `accounts` in these trades."""
    partners = set()
    copy_window = thresholds(copy_trading.DETECTOR)["window_ms"]
    for a, b in candidate_matches(trades, copy_window):
        if a in accounts or b in accounts:
            partners |= {a, b}
    rows = [(t.symbol, t.open_ms, t.trade_id, t.side, t.account_id) for t in trades]
    for row, other in hedged_pairs(rows, thresholds(group_hedging.DETECTOR)["window_ms"]):
        if row[4] in accounts or other[4] in accounts:
            partners |= {row[4], other[4]}
    return partners - accounts


def scan_new_trades(
    batch_id: int, account_ids: Iterable[int], *, now: dt.datetime | None = None
) -> ScanReport:
    """Scan around the trades import batch `batch_id` wrote to `account_ids`: the trades of every
    account opened within the detectors' windows of them find the partners; then the history of
    the new accounts and their partners (the lookback, by account) is run through the detectors,
    keeping what involves a new account."""
    now = now or timezone.now()
    accounts = set(account_ids)
    window = loading.batch_window(batch_id, accounts)
    if window is None:
        return ScanReport(0, 0, 0, ())
    margin = dt.timedelta(
        milliseconds=max(
            thresholds(copy_trading.DETECTOR)["window_ms"],
            thresholds(group_hedging.DETECTOR)["window_ms"],
        )
    )
    nearby = loading.trades_opened_between(window[0] - margin, window[1] + margin)
    partners = partners_in_window(nearby, accounts)
    history = loading.trades_of_accounts(accounts | partners, _lookback(now))
    found = [f for f in trade_findings(history) if accounts & set(f.account_ids)]
    found += identity_findings({t.trader_id for t in history if t.account_id in accounts})
    return _report(len(nearby), found, store_findings(found, now=now))
