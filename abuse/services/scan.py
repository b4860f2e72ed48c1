"""The firm-wide abuse scans: a full scan of the lookback period (nightly, in beat) and the
incremental scan of the window around each import's new trades (after every import or bridge
push, through `evaluations.hooks.enqueue_trades_arrived`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from ..detectors import copy_trading, group_hedging, scalping
from ..detectors.columns import TradeColumns
from ..detectors.copy_trading import candidate_arrays, detect_copy_trading
from ..detectors.group_hedging import detect_group_hedging, hedge_arrays
from ..detectors.scalping import detect_tick_scalping
from ..detectors.shared_identity import detect_shared_identity
from ..detectors.types import Finding
from ..thresholds import thresholds
from . import loading
from .cases import Stored, store_findings


@dataclass(frozen=True)
class ScanReport:
    trades: int
    findings: int
    new_findings: int
    new_cases: tuple[int, ...]


def trade_findings(trades: TradeColumns, span_ms: int) -> list[Finding]:
    """Every trade detector over these trades (covering `span_ms`), with the firm's
    thresholds."""
    hedging = thresholds(group_hedging.DETECTOR)
    return [
        *detect_copy_trading(trades, **thresholds(copy_trading.DETECTOR)),
        *detect_group_hedging(trades, **hedging, span_ms=span_ms),
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


def _span_ms() -> int:
    return thresholds("scan")["lookback_days"] * 86_400_000


def _report(trades: int, found: list[Finding], stored: Stored) -> ScanReport:
    return ScanReport(trades, len(found), stored.new_findings, tuple(stored.new_cases))


def full_scan(*, now: dt.datetime | None = None) -> ScanReport:
    """Scan every trade opened in the lookback period and every identity fact."""
    now = now or timezone.now()
    trades = loading.trades_opened_between(_lookback(now), now)
    found = trade_findings(trades, _span_ms()) + identity_findings()
    return _report(len(trades), found, store_findings(found, now=now))


def partners_in_window(trades: TradeColumns, accounts: set[int]) -> set[int]:
    """Accounts with a copy or hedge candidate pair against one of `accounts` in these trades."""
    copies = candidate_arrays(trades, thresholds(copy_trading.DETECTOR)["window_ms"])
    hedges = hedge_arrays(trades, thresholds(group_hedging.DETECTOR)["window_ms"])
    wanted = np.array(sorted(accounts), dtype=np.int64)
    partners: set[int] = set()
    for found in (copies, hedges):
        touching = np.isin(found["a"], wanted) | np.isin(found["b"], wanted)
        partners.update(found["a"][touching].tolist(), found["b"][touching].tolist())
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
    history = loading.trades_of_accounts(accounts | partners, _lookback(now), now)
    found = [f for f in trade_findings(history, _span_ms()) if accounts & set(f.account_ids)]
    new = np.isin(history.account_id, list(accounts))
    found += identity_findings(set(history.trader_id[new].tolist()))
    return _report(len(nearby), found, store_findings(found, now=now))
