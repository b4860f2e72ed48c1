"""The account page's panels, as plain data for the templates: objectives, limits, key
statistics, what comes after a pass, and the payouts information of a funded account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from evaluations.models import AccountStatus, PhaseKind, TradingAccount
from evaluations.rule_types import RuleCode
from portal.selectors import next_account_of
from risk.days import trading_day_at
from risk.engine.metrics import (
    average_loss,
    average_win,
    best_day_share_bp,
    profit_factor,
    win_rate_bp,
)
from risk.models import AccountMetrics
from risk.services.money import from_cents, to_cents

TENTH = Decimal("0.1")
HUNDRED = Decimal(100)


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _percent_of(part: Decimal | None, whole: Decimal | None) -> int:
    """part / whole as a whole percentage clamped to 0..100 (for a progress bar's width)."""
    if part is None or not whole:
        return 0
    return int(max(Decimal(0), min(HUNDRED, part / whole * HUNDRED)))


@dataclass(frozen=True)
class Objective:
    code: str
    label: str
    met: bool
    current: Decimal | None
    target: Decimal | None
    unit: str  # "money" | "days" | "percent"
    detail: str
    progress: int  # bar width, 0..100
    at_most: bool  # the target is a ceiling (consistency), not a goal to reach


def objectives(metrics: AccountMetrics | None) -> list[Objective]:
    """AccountMetrics.objectives (engine output in display units) as progress bars."""
    if metrics is None:
        return []
    items = []
    for raw in metrics.objectives or []:
        if not isinstance(raw, dict) or "code" not in raw:
            continue
        code = str(raw["code"])
        current, target = _decimal(raw.get("current")), _decimal(raw.get("target"))
        at_most = code == RuleCode.CONSISTENCY
        try:
            label = RuleCode(code).label
        except ValueError:
            label = code.replace("_", " ").capitalize()
        items.append(
            Objective(
                code=code,
                label=label,
                met=bool(raw.get("met")),
                current=current,
                target=target,
                unit=str(raw.get("unit") or ""),
                detail=str(raw.get("detail") or ""),
                progress=_percent_of(current, target),
                at_most=at_most,
            )
        )
    return items


@dataclass(frozen=True)
class Limits:
    equity: Decimal
    day_reference: Decimal | None
    daily_floor: Decimal | None
    room_daily: Decimal | None
    room_daily_pct: int  # share of today's allowance still left
    total_floor: Decimal | None
    room_total: Decimal | None
    room_total_pct: int
    next_reset: dt.datetime  # aware UTC; templates show it in the trader's zone
    seconds_to_reset: int

    @property
    def countdown(self) -> str:
        """Time to the next reset, e.g. "5 h 07 min" (the page's script ticks it live)."""
        hours, rest = divmod(self.seconds_to_reset, 3600)
        return f"{hours} h {rest // 60:02d} min"


def limits(account: TradingAccount, metrics: AccountMetrics | None, now: dt.datetime) -> Limits:
    """Today's floors and the room left to them, and when the day resets.

    Daily allowance = reference − daily floor; total allowance = max(HWM, B0) − total floor.
    The bars show room / allowance.
    """
    reset = trading_day_at(account.phase.reset_tz, account.phase.reset_hour, now).end
    if metrics is None:
        return Limits(
            account.initial_balance, None, None, None, 0, None, None, 0, reset, _secs(reset, now)
        )
    daily_allowance = (
        metrics.day_reference - metrics.daily_floor
        if metrics.day_reference is not None and metrics.daily_floor is not None
        else None
    )
    total_allowance = (
        max(metrics.hwm, account.initial_balance) - metrics.total_floor
        if metrics.total_floor is not None
        else None
    )
    return Limits(
        equity=metrics.equity,
        day_reference=metrics.day_reference,
        daily_floor=metrics.daily_floor,
        room_daily=metrics.room_daily,
        room_daily_pct=_percent_of(metrics.room_daily, daily_allowance),
        total_floor=metrics.total_floor,
        room_total=metrics.room_total,
        room_total_pct=_percent_of(metrics.room_total, total_allowance),
        next_reset=reset,
        seconds_to_reset=_secs(reset, now),
    )


def _bp_as_percent(bp: int | None) -> Decimal | None:
    """Basis points as a percent with one decimal, as the page shows it (6250 → 62.5)."""
    return None if bp is None else (Decimal(bp) / HUNDRED).quantize(TENTH, ROUND_HALF_UP)


def _secs(later: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((later - now).total_seconds()))


@dataclass(frozen=True)
class Statistics:
    trades: int
    trading_days: int
    win_rate: Decimal | None  # percent
    profit_factor: Decimal | None  # None when there is no loss to divide by
    average_win: Decimal | None
    average_loss: Decimal | None  # a positive amount
    best_day: Decimal
    best_day_share: Decimal | None  # percent of the net profit
    net_profit: Decimal
    max_drawdown: Decimal
    lots: Decimal


def statistics(metrics: AccountMetrics | None) -> Statistics | None:
    """The account's ratios, by the engine's definitions (`risk.engine.metrics`): win rate,
    profit factor, average win and loss, best day's share of the net profit."""
    if metrics is None:
        return None
    gross_profit, gross_loss = to_cents(metrics.gross_profit), to_cents(metrics.gross_loss)
    return Statistics(
        trades=metrics.trades,
        trading_days=metrics.trading_days,
        win_rate=_bp_as_percent(win_rate_bp(metrics.wins, metrics.losses)),
        profit_factor=profit_factor(gross_profit, gross_loss),
        average_win=from_cents(average_win(gross_profit, metrics.wins)),
        average_loss=from_cents(average_loss(gross_loss, metrics.losses)),
        best_day=metrics.best_day_net,
        best_day_share=_bp_as_percent(
            best_day_share_bp(to_cents(metrics.best_day_net), to_cents(metrics.net_profit))
        ),
        net_profit=metrics.net_profit,
        max_drawdown=metrics.max_drawdown,
        lots=metrics.lots,
    )


@dataclass(frozen=True)
class Progression:
    """What happens after this phase was passed."""

    passed_at: dt.datetime | None
    next_account: TradingAccount | None
    under_review: bool
    final: bool  # no later phase in the program


def progression(account: TradingAccount) -> Progression | None:
    if account.status != AccountStatus.PASSED:
        return None
    following = next_account_of(account)
    under_review = following is None and not account.phase.auto_advance
    final = following is None and not under_review and account.phase.next_phase is None
    return Progression(account.ended_at, following, under_review, final)


def payout_eligibility(account: TradingAccount):
    """A funded account's payout eligibility with every reason (payouts.eligibility), or None."""
    if account.phase.kind != PhaseKind.FUNDED:
        return None
    from payouts.selectors import account_eligibility

    return account_eligibility(account)


def payout_since_start(account: TradingAccount):
    """A funded account's net profit since start split into current profit and paid out
    (payouts.selectors.profit_since_start), or None."""
    if account.phase.kind != PhaseKind.FUNDED:
        return None
    from payouts.selectors import profit_since_start

    return profit_since_start(account)


# What the platform was told --------------------------------------------------------------

# kind -> (what happened once done, what it does, for the trader)
PLATFORM_WORDS = {
    "create_account": ("Account created on the platform", "create the account"),
    "disable": ("Trading disabled on the platform", "disable trading"),
    "close_and_disable": (
        "Trading disabled on the platform",
        "close all positions, then disable",
    ),
    "pause": ("Trading paused on the platform", "close all positions, pause until the reset"),
    "enable": ("Trading enabled on the platform", "enable trading"),
}


@dataclass(frozen=True)
class PlatformLine:
    text: str  # "Trading disabled on the platform"
    detail: str  # "close all positions, then disable"
    status: str  # issued, delivered, done, failed
    at: dt.datetime  # when it happened (done), or when it was sent
    issued_at: dt.datetime
    reason: str
    error: str


def platform_lines(commands) -> list[PlatformLine]:
    """One line per platform command: done ("Trading disabled on the platform at …"), on its
    way (sent at …) or failed (with the bridge's error)."""
    lines = []
    for command in commands:
        done, detail = PLATFORM_WORDS.get(command.kind, (command.get_kind_display(), ""))
        if command.status == "done":
            text = done
        elif command.status == "failed":
            text = f"The platform could not {detail or command.get_kind_display().lower()}"
        else:
            text = f"Sent to the platform: {detail}"
        lines.append(
            PlatformLine(
                text=text,
                detail=detail,
                status=command.status,
                at=command.done_at or command.delivered_at or command.issued_at,
                issued_at=command.issued_at,
                reason=command.reason,
                error=str(command.result.get("error", "")) if command.status == "failed" else "",
            )
        )
    return lines
