"""The live evaluator's plain data: the limits an account is held to, the state carried between
two events, and the near-limit alert.

`LiveLimits` comes from the account's rule set (`limits_from_rules`) and changes only when the
rule set does; `LiveState` is everything the evaluator needs to check the next event in constant
time. Both round-trip through JSON-safe dicts (`to_dict` / `from_dict`) for Redis. Money is int
cents, volume int 1/10,000 lot, time int epoch seconds UTC, as in `risk.engine`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from risk.engine.params import lock_cents, volume_units
from risk.engine.rules.daily_pause import pauses
from risk.engine.types import AccountIn

DAILY = "daily"
TOTAL = "total"
LIMIT_NAMES = (DAILY, TOTAL)


@dataclass(frozen=True, slots=True)
class DailyParams:
    """`max_daily_loss` as the live path needs it (the rule's normalised params)."""

    percent: str  # "5", "4.5"
    reference: str  # "balance" | "equity" | "max_balance_equity" (the higher of both)
    amount_base: str  # "initial" | "reference"
    severity: str  # "hard" | "soft"
    pauses: bool  # on_breach = pause_until_reset: the day's breach is soft and pauses trading

    def params(self) -> dict:
        """The rule params, as the engine's wording functions read them."""
        return {
            "percent": self.percent,
            "reference": self.reference,
            "amount_base": self.amount_base,
        }


@dataclass(frozen=True, slots=True)
class TotalParams:
    """`max_total_loss` as the live path needs it."""

    mode: str  # "static" | "trailing_intraday" | "trailing_eod" | "trailing_closed"
    percent: str
    lock: int | None  # `lock_at` as a balance in cents (None: the floor trails without a cap)
    lock_at: str | None  # the rule's own `lock_at` text, for the engine's wording
    severity: str

    def params(self) -> dict:
        return {"mode": self.mode, "percent": self.percent, "lock_at": self.lock_at}


@dataclass(frozen=True, slots=True)
class VolumeLimit:
    """`max_position_size` / `max_open_volume`: breach when volume > `volume` (equal is fine)."""

    volume: int  # engine volume units (1/10,000 lot), rounded down as the engine does
    severity: str


@dataclass(frozen=True, slots=True)
class LiveLimits:
    account_id: int
    b0: int  # initial balance, cents
    currency: str
    reset_tz: str
    reset_hour: int
    started_ts: int
    daily: DailyParams | None = None
    total: TotalParams | None = None
    max_position_size: VolumeLimit | None = None
    max_open_volume: VolumeLimit | None = None
    alert_levels: tuple[int, ...] = (80, 90)  # percent of the loss room used

    def to_dict(self) -> dict:
        d = asdict(self)
        d["alert_levels"] = list(self.alert_levels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> LiveLimits:
        def part(kind, value):
            return None if value is None else kind(**value)

        return cls(
            account_id=d["account_id"],
            b0=d["b0"],
            currency=d["currency"],
            reset_tz=d["reset_tz"],
            reset_hour=d["reset_hour"],
            started_ts=d["started_ts"],
            daily=part(DailyParams, d.get("daily")),
            total=part(TotalParams, d.get("total")),
            max_position_size=part(VolumeLimit, d.get("max_position_size")),
            max_open_volume=part(VolumeLimit, d.get("max_open_volume")),
            alert_levels=tuple(d.get("alert_levels", (80, 90))),
        )


def limits_from_rules(account_in: AccountIn, alert_levels: tuple[int, ...] = (80, 90)):
    """The live limits of an account from its engine input (its RuleIn tuple); the first rule
    of each code counts. Rules the live path does not check in real time are left to the
    engine's recompute."""
    b0 = account_in.initial_balance
    found: dict = {}
    for rule in account_in.rules:
        if rule.code in found:
            continue
        p = rule.params
        if rule.code == "max_daily_loss":
            found[rule.code] = DailyParams(
                percent=p["percent"],
                reference=p.get("reference", "balance"),
                amount_base=p.get("amount_base", "initial"),
                severity=rule.severity,
                pauses=pauses(rule),
            )
        elif rule.code == "max_total_loss":
            found[rule.code] = TotalParams(
                mode=p.get("mode", "static"),
                percent=p["percent"],
                lock=lock_cents(p.get("lock_at"), b0),
                lock_at=p.get("lock_at"),
                severity=rule.severity,
            )
        elif rule.code in ("max_position_size", "max_open_volume"):
            found[rule.code] = VolumeLimit(volume_units(p["max_volume"]), rule.severity)
    return LiveLimits(
        account_id=account_in.account_id,
        b0=b0,
        currency=account_in.currency,
        reset_tz=account_in.reset_tz,
        reset_hour=account_in.reset_hour,
        started_ts=account_in.started_ts,
        daily=found.get("max_daily_loss"),
        total=found.get("max_total_loss"),
        max_position_size=found.get("max_position_size"),
        max_open_volume=found.get("max_open_volume"),
        alert_levels=tuple(sorted(alert_levels)),
    )


@dataclass(slots=True)
class LiveState:
    """What the evaluator carries from one event to the next (one account).

    Money without flows ("trading" values) is marked so; everything else includes deposits and
    withdrawals like the engine's balance and equity.
    """

    # the current trading day [day_start_ts, day_end_ts) and its daily limit
    day_start_ts: int
    day_end_ts: int
    day: str  # ISO name of the day
    day_reference: int  # ref_d at the reset
    day_limit: int | None  # limit_d at the reset, before intraday flows (None: no daily rule)
    day_start_flow: int  # running flows carried over the reset
    # the account's last point
    balance: int  # closed balance, flows included
    flow: int  # running deposits + withdrawals
    equity: int
    equity_is_tick: bool  # equity came from a tick at or after the last balance change
    equity_ts: int  # the instant of the point that set `equity` (0: none yet)
    last_ts: int  # the last tick or balance change processed (0: none yet)
    # max_total_loss as its mode keeps them, without flows
    total_hwm: int
    total_floor: int | None
    # breach bookkeeping
    breach_days: list[str] = field(default_factory=list)  # days whose daily breach is reported
    total_breached: bool = False
    failed_ts: int | None = None  # the first hard breach: nothing more is evaluated
    pause_from_ts: int | None = None  # a daily pause runs over (pause_from_ts, pause_until_ts)
    pause_until_ts: int | None = None
    pause_day: str | None = None
    # near-limit alerts already sent on `alerts_day`, per limit ("daily" / "total")
    alerts_day: str = ""
    alerts: dict[str, list[int]] = field(default_factory=dict)
    # open positions {position id: volume} and whether their sum is above max_open_volume
    positions: dict[str, int] = field(default_factory=dict)
    open_above: bool = False
    # the staff view, as of the last point
    last_daily_floor: int | None = None
    last_total_floor: int | None = None
    used_daily_bp: int | None = None
    used_total_bp: int | None = None

    @property
    def failed(self) -> bool:
        return self.failed_ts is not None

    def to_dict(self) -> dict:
        # Field by field rather than dataclasses.asdict, which deep-copies recursively: the
        # monitor saves every ticking account's state once a second, and asdict was a fifth of
        # its time (bench/live.py). The three containers are copied below.
        d = {name: getattr(self, name) for name in _STATE_FIELDS}
        d["breach_days"] = sorted(self.breach_days)
        d["alerts"] = {k: sorted(v) for k, v in sorted(self.alerts.items())}
        d["positions"] = dict(sorted(self.positions.items()))
        return d

    @classmethod
    def from_dict(cls, d: dict) -> LiveState:
        values = dict(d)
        values["breach_days"] = list(d.get("breach_days", ()))
        values["alerts"] = {k: list(v) for k, v in d.get("alerts", {}).items()}
        values["positions"] = {str(k): int(v) for k, v in d.get("positions", {}).items()}
        return cls(**values)


_STATE_FIELDS = tuple(f.name for f in fields(LiveState))


@dataclass(frozen=True, slots=True)
class NearLimit:
    """A loss limit `level` % used, the first time in the trading day `day`.

    used_bp is the share of the loss room used in basis points (see `live.engine.checks`).
    """

    limit: str  # "daily" | "total"
    level: int  # 80, 90 …
    ts: int
    equity: int
    floor: int
    used_bp: int
    day: str
