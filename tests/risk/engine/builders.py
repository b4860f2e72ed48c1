"""Readable builders for pure engine tests: dollars, local times and rules as an admin types them.

Rules go through `evaluations.rule_types.validate_params`, so the tests feed the engine exactly
the normalised parameters it gets in production.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from evaluations.rule_types import validate_params
from risk.engine.types import (
    PRICE_SCALE,
    VOLUME_SCALE,
    AccountIn,
    BalanceOpIn,
    NewsEventIn,
    RuleIn,
    SnapshotIn,
    TradeIn,
)

PRAGUE = "Europe/Prague"


def usd(amount) -> int:
    """Dollars (int, str or Decimal) → cents."""
    return int(Decimal(str(amount)) * 100)


def lots(amount) -> int:
    return int(Decimal(str(amount)) * VOLUME_SCALE)


def at(text: str, tz: str = PRAGUE) -> int:
    """Local wall time "2026-03-02 09:00" in tz → epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp())


def rule(code: str, severity: str = "hard", **params) -> RuleIn:
    return RuleIn(code, severity, validate_params(code, params))


_ids = iter(range(1, 10**9))


def trade(
    opened: str,
    closed: str,
    net,
    *,
    id: int | None = None,
    symbol: str = "EURUSD",
    side: str = "buy",
    volume="1",
    tz: str = PRAGUE,
    open_price=None,
    close_price=None,
    stop_loss=None,
    profit=None,
) -> TradeIn:
    tid = next(_ids) if id is None else id
    return TradeIn(
        id=tid,
        ticket=f"T{tid}",
        symbol=symbol,
        side=side,
        volume=lots(volume),
        open_ts=at(opened, tz),
        close_ts=at(closed, tz),
        net=usd(net),
        profit=None if profit is None else usd(profit),
        open_price=price(open_price),
        close_price=price(close_price),
        stop_loss=None if stop_loss is None else price(stop_loss),
    )


def price(text) -> int:
    """A price ("1.10500") in engine price units; None → 0 (unknown)."""
    return 0 if text is None else int(Decimal(str(text)) * PRICE_SCALE)


def snapshot(when: str, balance, equity, *, id: int | None = None, tz: str = PRAGUE) -> SnapshotIn:
    return SnapshotIn(next(_ids) if id is None else id, at(when, tz), usd(balance), usd(equity))


def balance_op(when: str, amount, kind: str, *, tz: str = PRAGUE) -> BalanceOpIn:
    return BalanceOpIn(next(_ids), at(when, tz), usd(amount), kind)


def news(when: str, currency: str, impact: str = "high", *, id: int, tz: str = "UTC"):
    return NewsEventIn(id, at(when, tz), currency, impact, "CPI")


def account(
    *rules: RuleIn,
    trades=(),
    b0=100_000,
    start: str = "2026-03-02 08:00",
    tz: str = PRAGUE,
    hour: int = 0,
    snapshots=(),
    ops=(),
    calendar=(),
    as_of: str | None = None,
    **extra,
) -> AccountIn:
    return AccountIn(
        account_id=extra.pop("account_id", 1),
        initial_balance=usd(b0),
        started_ts=at(start, tz),
        reset_tz=tz,
        reset_hour=hour,
        rules=tuple(rules),
        trades=tuple(sorted(trades, key=lambda t: (t.close_ts, t.id))),
        snapshots=tuple(snapshots),
        balance_ops=tuple(ops),
        calendar=tuple(calendar),
        as_of_ts=at(as_of, tz) if as_of else 0,
        **extra,
    )


def keys(result) -> list[str]:
    return [b.key for b in result.breaches]
