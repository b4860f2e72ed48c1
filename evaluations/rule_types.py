"""The typed rules of PRODUCT.md §2: each rule code, its category and its parameters.

A rule's parameters are stored as JSON; `validate_params(code, params)` is the one gate that
checks them (admin forms, program specs and the API all call it) and returns them normalised:
decimals as strings ("5.00"), integers as ints, choices lower-case, defaults filled in.
The risk engine reads the normalised form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


class RuleCode(models.TextChoices):
    MAX_DAILY_LOSS = "max_daily_loss", "Max daily loss"
    MAX_TOTAL_LOSS = "max_total_loss", "Max total loss"
    PROFIT_TARGET = "profit_target", "Profit target"
    MIN_TRADING_DAYS = "min_trading_days", "Minimum trading days"
    CONSISTENCY = "consistency", "Consistency (best day)"
    MAX_POSITION_SIZE = "max_position_size", "Max position size"
    MAX_OPEN_VOLUME = "max_open_volume", "Max open volume"
    INACTIVITY = "inactivity", "Inactivity"
    TIME_LIMIT = "time_limit", "Time limit"
    WEEKEND_HOLDING = "weekend_holding", "Weekend holding"
    NEWS_TRADING = "news_trading", "News trading"
    HEDGING = "hedging", "Hedging across accounts"
    MAX_LOSS_PER_TRADE = "max_loss_per_trade", "Max loss per trade"
    STOP_LOSS_REQUIRED = "stop_loss_required", "Stop-loss required"
    MIN_HOLDING_TIME = "min_holding_time", "Minimum holding time (HFT share)"
    MAX_TRADES_PER_DAY = "max_trades_per_day", "Max trades per day"
    MIN_PROFITABLE_DAYS = "min_profitable_days", "Minimum profitable days"
    LOT_CONSISTENCY = "lot_consistency", "Lot consistency"
    MARTINGALE = "martingale", "Martingale / grid"
    ALL_IN = "all_in", "All-in trade"


class Severity(models.TextChoices):
    HARD = "hard", "Hard (fails the account)"
    SOFT = "soft", "Soft (flags for review)"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "percent" | "decimal" | "int" | "choice" | "time" | "weekday" | "tz" | "lock"
    required: bool = True
    default: Any = None
    choices: tuple[str, ...] = ()
    min_value: Decimal | int | None = None
    help: str = ""


@dataclass(frozen=True)
class RuleType:
    code: str
    params: tuple[Param, ...]
    severities: tuple[str, ...] = (Severity.HARD, Severity.SOFT)
    default_severity: str = Severity.HARD
    description: str = ""
    extra: dict = field(default_factory=dict)
    one_of: tuple[str, ...] = ()  # exactly one of these parameters must be given


def _percent(name: str, **kw) -> Param:
    return Param(name, "percent", help="percent, 0 < p ≤ 100, e.g. 5 for 5%", **kw)


RULE_TYPES: dict[str, RuleType] = {
    t.code: t
    for t in (
        RuleType(
            RuleCode.MAX_DAILY_LOSS,
            (
                _percent("percent"),
                Param("amount_base", "choice", False, "initial", ("initial", "reference")),
                Param(
                    "reference",
                    "choice",
                    False,
                    "balance",
                    ("balance", "equity", "max_balance_equity"),
                ),
                # No default filled in: rule sets stored before it existed keep their identity.
                Param("on_breach", "choice", False, None, ("fail", "pause_until_reset")),
            ),
            description=(
                "Equity below the day's reference minus percent × base is a breach; with "
                "on_breach=pause_until_reset it pauses the account until the next reset."
            ),
        ),
        RuleType(
            RuleCode.MAX_TOTAL_LOSS,
            (
                _percent("percent"),
                Param(
                    "mode",
                    "choice",
                    False,
                    "static",
                    ("static", "trailing_intraday", "trailing_eod", "trailing_closed"),
                ),
                Param(
                    "lock_at",
                    "lock",
                    False,
                    None,
                    help='trailing floors stop at this balance: an amount, or "initial" for B0',
                ),
            ),
            description="Equity below the (static or trailing) floor is a breach.",
        ),
        RuleType(
            RuleCode.PROFIT_TARGET,
            (_percent("percent"),),
            severities=(Severity.SOFT,),
            default_severity=Severity.SOFT,
            description="Objective: balance ≥ B0 × (1 + percent) with no open position.",
        ),
        RuleType(
            RuleCode.MIN_TRADING_DAYS,
            (Param("days", "int", min_value=1),),
            severities=(Severity.SOFT,),
            default_severity=Severity.SOFT,
            description="Objective: at least N days with a position opened.",
        ),
        RuleType(
            RuleCode.CONSISTENCY,
            (
                _percent("percent"),
                Param("applies_to", "choice", False, "objective", ("objective", "payout")),
            ),
            severities=(Severity.SOFT,),
            default_severity=Severity.SOFT,
            description="Best day's net profit ≤ percent × total net profit.",
        ),
        RuleType(
            RuleCode.MAX_POSITION_SIZE,
            (Param("max_volume", "decimal", min_value=Decimal("0")),),
            description="Any single trade's volume above N lots/contracts.",
        ),
        RuleType(
            RuleCode.MAX_OPEN_VOLUME,
            (Param("max_volume", "decimal", min_value=Decimal("0")),),
            description="Sum of simultaneously open volumes above N.",
        ),
        RuleType(
            RuleCode.INACTIVITY,
            (Param("days", "int", min_value=1),),
            severities=(Severity.HARD,),
            description="No position opened for N days.",
        ),
        RuleType(
            RuleCode.TIME_LIMIT,
            (Param("days", "int", min_value=1),),
            severities=(Severity.HARD,),
            description="Profit target not met within N days of the start.",
        ),
        RuleType(
            RuleCode.WEEKEND_HOLDING,
            (
                Param("start_day", "weekday", False, "friday"),
                Param("start_time", "time", False, "21:00"),
                Param("end_day", "weekday", False, "sunday"),
                Param("end_time", "time", False, "21:00"),
                Param("tz", "tz", False, "UTC"),
            ),
            default_severity=Severity.SOFT,
            description="A position open across the weekend window.",
        ),
        RuleType(
            RuleCode.NEWS_TRADING,
            (
                Param("minutes", "int", False, 2, min_value=0),
                Param("impact", "choice", False, "high", ("high", "medium", "low")),
            ),
            default_severity=Severity.SOFT,
            description="A position opened or closed within ±N minutes of a calendar event.",
        ),
        RuleType(
            RuleCode.HEDGING,
            (Param("seconds", "int", False, 60, min_value=0),),
            severities=(Severity.SOFT,),
            default_severity=Severity.SOFT,
            description="Opposite positions on one symbol across accounts within N seconds.",
        ),
        RuleType(
            RuleCode.MAX_LOSS_PER_TRADE,
            (
                Param("percent", "percent", False, help="percent of the initial balance"),
                Param("amount", "decimal", False, min_value=Decimal("0")),
            ),
            one_of=("percent", "amount"),
            description="A trade's net loss above percent × B0 or a fixed amount.",
        ),
        RuleType(
            RuleCode.STOP_LOSS_REQUIRED,
            (),
            default_severity=Severity.SOFT,
            description="A trade opened without a stop-loss (where the source reports S/L).",
        ),
        RuleType(
            RuleCode.MIN_HOLDING_TIME,
            (
                Param("seconds", "int", min_value=1),
                _percent("percent"),
                Param("measure", "choice", False, "trades", ("trades", "profit")),
                Param("min_trades", "int", False, 10, min_value=1),
            ),
            default_severity=Severity.SOFT,
            description="More than percent of trades (or profit) from trades held < N seconds.",
        ),
        RuleType(
            RuleCode.MAX_TRADES_PER_DAY,
            (Param("trades", "int", min_value=1),),
            description="More than N positions opened in one trading day.",
        ),
        RuleType(
            RuleCode.MIN_PROFITABLE_DAYS,
            (
                Param("days", "int", min_value=1),
                _percent("percent"),
                Param("applies_to", "choice", False, "objective", ("objective", "payout")),
            ),
            severities=(Severity.SOFT,),
            default_severity=Severity.SOFT,
            description="Objective: at least N days each with net ≥ percent × B0.",
        ),
        RuleType(
            RuleCode.LOT_CONSISTENCY,
            (
                Param("multiple", "decimal", min_value=Decimal("0")),
                Param("min_trades", "int", False, 5, min_value=1),
            ),
            default_severity=Severity.SOFT,
            description="A position above K × the average size of the earlier positions.",
        ),
        RuleType(
            RuleCode.MARTINGALE,
            (Param("times", "int", min_value=1),),
            default_severity=Severity.SOFT,
            description="Adding to a losing position with a larger size N times in a row.",
        ),
        RuleType(
            RuleCode.ALL_IN,
            (_percent("percent"),),
            default_severity=Severity.SOFT,
            description="A trade risking more than percent of the balance at its stop.",
        ),
    )
}


def _clean_value(param: Param, value: Any) -> Any:
    if param.kind in ("percent", "decimal"):
        if isinstance(value, float):
            value = repr(value)
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(f"{value!r} is not a number") from exc
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        if param.kind == "percent" and not (Decimal("0") < number <= Decimal("100")):
            raise ValueError(f"{number} must be a percentage above 0 and at most 100")
        if param.min_value is not None and number <= param.min_value:
            raise ValueError(f"{number} must be above {param.min_value}")
        return str(number)
    if param.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"{value!r} is not a whole number")
        try:
            number = int(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a whole number") from exc
        if param.min_value is not None and number < param.min_value:
            raise ValueError(f"{number} must be at least {param.min_value}")
        return number
    if param.kind == "choice":
        text = str(value).strip().lower()
        if text not in param.choices:
            raise ValueError(f"{value!r} is not one of {', '.join(param.choices)}")
        return text
    if param.kind == "weekday":
        text = str(value).strip().lower()
        if text not in WEEKDAYS:
            raise ValueError(f"{value!r} is not a weekday name")
        return text
    if param.kind == "time":
        text = str(value).strip()
        parts = text.split(":")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValueError(f"{value!r} is not a time HH:MM")
        hour, minute = int(parts[0]), int(parts[1])
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError(f"{value!r} is not a time HH:MM")
        return f"{hour:02d}:{minute:02d}"
    if param.kind == "tz":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a known time zone") from exc
        return str(value)
    if param.kind == "lock":
        if str(value).strip().lower() == "initial":
            return "initial"
        return _clean_value(Param(param.name, "decimal", min_value=Decimal("0")), value)
    raise AssertionError(f"unknown parameter kind {param.kind}")


def validate_params(code: str, params: dict | None) -> dict:
    """Check a rule's parameters and return them normalised; raise ValidationError naming
    each bad field as `params.<name>`."""
    rule_type = RULE_TYPES.get(code)
    if rule_type is None:
        raise ValidationError({"code": f"unknown rule {code!r}"})
    params = dict(params or {})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    known = {p.name for p in rule_type.params}
    for name in sorted(set(params) - known):
        errors[f"params.{name}"] = (
            f"unknown parameter for {code} (known: {', '.join(sorted(known))})"
        )
    for param in rule_type.params:
        if param.name not in params or params[param.name] in (None, ""):
            if param.required:
                errors[f"params.{param.name}"] = "this parameter is required"
            elif param.default is not None:
                clean[param.name] = param.default
            continue
        try:
            clean[param.name] = _clean_value(param, params[param.name])
        except ValueError as exc:
            errors[f"params.{param.name}"] = str(exc)
    if rule_type.one_of:
        given = [name for name in rule_type.one_of if params.get(name) not in (None, "")]
        if len(given) != 1:
            errors[f"params.{rule_type.one_of[0]}"] = (
                f"give exactly one of {', '.join(rule_type.one_of)}"
            )
    if errors:
        raise ValidationError(errors)
    return clean


def validate_severity(code: str, severity: str) -> None:
    rule_type = RULE_TYPES[code]
    if severity not in rule_type.severities:
        allowed = ", ".join(rule_type.severities)
        raise ValidationError({"severity": f"{code} can only be {allowed}"})
