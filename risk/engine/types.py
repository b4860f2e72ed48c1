"""The risk engine's plain-data contract: what goes in, what comes out.

No ORM, no Decimal on the hot path: money is int cents, volume is int 1/10,000 of a lot or
contract (Decimal volume × 10,000), time is int epoch seconds UTC. `risk.services` converts
from and to the models; `risk.engine` never imports Django models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VOLUME_SCALE = 10_000  # engine volume units per lot/contract
PRICE_SCALE = 100_000_000  # engine price units per price unit (8 decimal places, as stored)


@dataclass(frozen=True, slots=True)
class TradeIn:
    id: int  # database id, for evidence
    ticket: str
    symbol: str
    side: str  # "buy" | "sell"
    volume: int  # 1/10,000 lot
    open_ts: int
    close_ts: int
    net: int  # cents: profit + commission + swap + fees
    profit: int | None = None  # cents, the price move alone (None: use net)
    open_price: int = 0  # 1/100,000,000 of a price unit (PRICE_SCALE); 0 = unknown
    close_price: int = 0
    stop_loss: int | None = None  # None = unknown (the source has no S/L), 0 = none set
    take_profit: int | None = None  # same convention as stop_loss


@dataclass(frozen=True, slots=True)
class SnapshotIn:
    id: int
    ts: int
    balance: int  # cents
    equity: int  # cents


@dataclass(frozen=True, slots=True)
class BalanceOpIn:
    id: int
    ts: int
    amount: int  # signed cents: deposits > 0, withdrawals < 0
    kind: str  # "deposit" | "withdrawal" | "adjustment"


@dataclass(frozen=True, slots=True)
class NewsEventIn:
    id: int
    ts: int
    currency: str  # "USD"
    impact: str  # "high" | "medium" | "low"
    title: str = ""


@dataclass(frozen=True, slots=True)
class RuleIn:
    code: str  # evaluations.rule_types.RuleCode value
    severity: str  # "hard" | "soft"
    params: dict  # normalised by evaluations.rule_types.validate_params


@dataclass(frozen=True, slots=True)
class AccountIn:
    account_id: int
    initial_balance: int  # cents (B0)
    started_ts: int
    reset_tz: str  # IANA zone of the phase's daily reset
    reset_hour: int  # local hour of the reset
    rules: tuple[RuleIn, ...]
    trades: tuple[TradeIn, ...]  # sorted by (close_ts, id)
    snapshots: tuple[SnapshotIn, ...] = ()  # sorted by ts
    balance_ops: tuple[BalanceOpIn, ...] = ()  # sorted by ts
    calendar: tuple[NewsEventIn, ...] = ()  # sorted by ts
    as_of_ts: int = 0  # "now" for inactivity / time limit / the current day
    currency: str = "USD"  # ISO code, for the wording of messages only
    payout_cycle_start_ts: int = 0  # consistency with applies_to="payout" counts trades from here


@dataclass(frozen=True, slots=True)
class Breach:
    """A rule broken, with the numbers and the evidence that explain it."""

    code: str
    severity: str
    ts: int  # first time the rule was broken
    threshold: int  # in `unit`
    observed: int  # in `unit`
    unit: str  # "cents" | "volume" | "days" | "seconds" | "minutes"
    key: str  # stable identity across recomputes, e.g. "max_daily_loss:2026-03-03"
    message: str  # one sentence a trader understands, with the numbers
    day: str | None = None  # ISO date of the trading day (phase tz), when it applies
    trade_ids: tuple[int, ...] = ()
    snapshot_id: int | None = None
    details: dict = field(default_factory=dict)  # JSON-safe extras (floor, reference, event…)


@dataclass(frozen=True, slots=True)
class ObjectiveProgress:
    code: str
    met: bool
    current: int
    target: int
    unit: str  # "cents" | "days" | "percent_bp"
    detail: str = ""
    applies_to: str = "objective"  # "objective" (needed to pass) | "payout" (a payout gate)
    details: dict = field(default_factory=dict)  # JSON-safe extras (reached_ts, needed total…)


@dataclass(frozen=True, slots=True)
class DayMetrics:
    day: str  # ISO date in the phase's tz
    start_ts: int
    end_ts: int
    start_balance: int
    start_equity: int
    reference: int  # the daily-loss reference at the start of the day
    daily_floor: int | None  # equity below this breaks the daily loss rule
    total_floor: int | None  # equity below this breaks the total loss rule (at day end)
    end_balance: int
    end_equity: int
    min_equity: int
    net: int  # closed net P&L of the day
    trades_opened: int
    trades_closed: int
    volume: int  # volume opened that day


@dataclass(slots=True)
class AccountResult:
    account_id: int
    basis: str  # "closed_trades" | "equity_snapshots"
    balance: int
    equity: int
    hwm: int  # high-water mark used by the total-loss rule (or highest equity)
    net_profit: int  # balance - B0 - deposits/adjustments (trading result only)
    max_drawdown: int  # largest peak-to-trough fall of equity, cents
    trades: int
    trading_days: int
    wins: int
    losses: int
    gross_profit: int
    gross_loss: int  # positive number
    best_day_net: int
    volume: int  # total lots traded × 10,000
    day_reference: int | None
    daily_floor: int | None
    total_floor: int | None
    room_daily: int | None  # equity - daily_floor
    room_total: int | None  # equity - total_floor
    days: list[DayMetrics]
    breaches: list[Breach]
    objectives: list[ObjectiveProgress]
    first_hard_breach: Breach | None
    objectives_met: bool  # every objective met (and none missing)
    last_trade_open_ts: int | None
    # the drawdown path thinned for the portal chart: (ts, cents ≤ 0), the deepest point kept
    drawdown_points: list[tuple[int, int]] = field(default_factory=list)
