"""The incremental scan after an import finds, for the pairs it covers, exactly what the nightly
full scan finds: the same findings, scores and evidence (it reads the same lookback trades of
the accounts involved and tests hedges against the same chance rate)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from abuse.models import Finding
from abuse.services import scan
from tests.factories import ImportBatchFactory, TradeFactory, TradingAccountFactory

pytestmark = pytest.mark.django_db


def _trade(account, opened, side, symbol="XAUUSD", batch=None):
    return TradeFactory(
        account=account,
        symbol=symbol,
        side=side,
        open_time=opened,
        close_time=opened + dt.timedelta(minutes=30),
        import_batch=batch,
    )


def _snapshot():
    return {f.key: (f.score, f.account_ids, f.evidence) for f in Finding.objects.all()}


def test_the_incremental_scan_of_an_import_agrees_with_the_full_scan():
    rng = random.Random(5)
    now = timezone.now().replace(microsecond=0)
    new, copier, hedger, *noise = [TradingAccountFactory() for _ in range(6)]
    for i in range(12):  # copier repeats `new` 300 ms later over three weeks
        opened = now - dt.timedelta(days=21) + dt.timedelta(hours=40 * i)
        side = rng.choice(("buy", "sell"))
        _trade(new, opened, side, "EURUSD")
        _trade(copier, opened + dt.timedelta(milliseconds=300), side, "EURUSD")
    for i in range(8):  # hedger takes the other side 20 s later
        opened = now - dt.timedelta(days=20) + dt.timedelta(hours=50 * i, minutes=7)
        _trade(new, opened, "buy")
        _trade(hedger, opened + dt.timedelta(seconds=20), "sell")
    for account in noise:
        for _ in range(30):
            opened = now - dt.timedelta(minutes=rng.randrange(60, 29 * 24 * 60))
            _trade(account, opened, rng.choice(("buy", "sell")), rng.choice(("XAUUSD", "US30")))
    batch = ImportBatchFactory(account=new)
    for minutes in (30, 20, 10):  # the import: three more trades of `new`, copied and hedged
        opened = now - dt.timedelta(minutes=minutes)
        _trade(new, opened, "buy", "EURUSD", batch)
        _trade(copier, opened + dt.timedelta(milliseconds=250), "buy", "EURUSD")
        _trade(hedger, opened + dt.timedelta(seconds=5), "sell", "EURUSD")

    scan.scan_new_trades(batch.pk, [new.pk], now=now)
    incremental = _snapshot()
    scan.full_scan(now=now)
    full = _snapshot()

    pair = tuple(sorted((new.pk, copier.pk)))
    assert f"copy_trading:{pair[0]}:{pair[1]}" in incremental
    hedging = [k for k in incremental if k.startswith("group_hedging:")]
    assert len(hedging) == 1 and str(hedger.pk) in hedging[0]
    assert {k: full[k] for k in incremental} == incremental
