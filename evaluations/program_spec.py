"""Program specs: the YAML a firm writes to define a program, parsed and checked as plain data.

`parse_program_spec(data)` turns the loaded YAML into a `ProgramSpec` or raises `SpecError`
listing every problem with its field path, e.g.
`phases[1].rules[0].params.percent: 'abc' is not a number` (indexes count from 0).
Nothing here touches the database; `evaluations.services.programs.load_program` writes.
The format is documented in docs/programs.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from evaluations.models.programs import Enforcement, PhaseKind, Platform, validate_time_zone
from evaluations.rule_types import RULE_TYPES, validate_params, validate_severity

ENFORCEMENTS = frozenset({"", *Enforcement.values})

PROGRAM_KEYS = {
    "name",
    "slug",
    "description",
    "account_size",
    "currency",
    "price",
    "platform",
    "is_active",
    "phases",
}
# A phase's own settings, as a spec names them and as the Phase model stores them.
PHASE_FIELDS = (
    "name",
    "kind",
    "reset_tz",
    "reset_hour",
    "profit_split",
    "payout_cycle_days",
    "min_payout",
    "auto_advance",
)
# The scaling plan's fields on the Phase model; a spec writes them as one `scaling_plan` mapping.
SCALING_FIELDS = (
    "scaling_cycles",
    "scaling_min_profit_percent",
    "scaling_growth_percent",
    "scaling_cap",
)
PHASE_KEYS = {*PHASE_FIELDS, "scaling_plan", "rules"}
RULE_KEYS = {"code", "severity", "params", "enforcement"}
# `scaling_plan: {cycles: 4, min_profit_percent: 10, growth_percent: 25, cap: 400000}`
SCALING_KEYS = {"cycles", "min_profit_percent", "growth_percent", "cap"}


class SpecError(Exception):
    """A program spec that cannot be loaded; `errors` is a list of (field path, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{path}: {message}" if path else message for path, message in self.errors)


@dataclass(frozen=True)
class RuleSpec:
    code: str
    severity: str
    params: dict  # normalised by rule_types.validate_params
    enforcement: str = ""  # evaluations.models.Enforcement; "" = the default for the rule

    def key(self) -> tuple:
        """What makes two rules the same rule (used to decide whether a new version is due)."""
        return (
            self.code,
            self.severity,
            tuple(sorted((k, str(v)) for k, v in self.params.items())),
            self.enforcement,
        )


@dataclass(frozen=True)
class PhaseSpec:
    order: int
    name: str
    kind: str
    reset_tz: str
    reset_hour: int
    profit_split: Decimal | None
    payout_cycle_days: int | None
    min_payout: Decimal
    auto_advance: bool
    rules: tuple[RuleSpec, ...]
    scaling_cycles: int | None = None
    scaling_min_profit_percent: Decimal | None = None
    scaling_growth_percent: Decimal | None = None
    scaling_cap: Decimal | None = None


@dataclass(frozen=True)
class ProgramSpec:
    name: str
    slug: str
    description: str
    account_size: Decimal
    currency: str
    price: Decimal
    platform: str
    is_active: bool
    phases: tuple[PhaseSpec, ...]


class _Errors:
    """Collects (path, message) pairs so one run reports every problem in the file."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _money(value: Any, path: str, errors: _Errors, *, positive: bool) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        errors.add(path, f"{value!r} is not a number")
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        errors.add(path, f"{value!r} is not a number")
        return None
    if not number.is_finite():
        errors.add(path, f"{value!r} is not a finite number")
    elif positive and number <= 0:
        errors.add(path, f"{number} must be above 0")
    elif number < 0:
        errors.add(path, f"{number} must not be negative")
    elif number != number.quantize(Decimal("0.01")):
        errors.add(path, f"{number} has more than 2 decimal places")
    else:
        return number.quantize(Decimal("0.01"))
    return None


def _int(value: Any, path: str, errors: _Errors, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(path, f"{value!r} is not a whole number")
        return None
    if not low <= value <= high:
        errors.add(path, f"{value} must be between {low} and {high}")
        return None
    return value


def _bool(value: Any, path: str, errors: _Errors) -> bool:
    if not isinstance(value, bool):
        errors.add(path, f"{value!r} is not true or false")
        return False
    return value


def _text(value: Any, path: str, errors: _Errors, max_length: int, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(path, "this field is required")
        return ""
    if not isinstance(value, str | int):
        errors.add(path, f"{value!r} is not text")
        return ""
    text = str(value).strip()
    if len(text) > max_length:
        errors.add(path, f"is longer than {max_length} characters")
    return text


def _unknown_keys(data: dict, allowed: set[str], prefix: str, errors: _Errors) -> None:
    for key in sorted(set(data) - allowed, key=str):
        errors.add(_join(prefix, str(key)), f"unknown field (known: {', '.join(sorted(allowed))})")


def _parse_rule(data: Any, path: str, errors: _Errors) -> RuleSpec | None:
    if not isinstance(data, dict):
        errors.add(path, "a rule must be a mapping with code, severity and params")
        return None
    _unknown_keys(data, RULE_KEYS, path, errors)
    code = data.get("code")
    if code not in RULE_TYPES:
        known = ", ".join(sorted(RULE_TYPES))
        errors.add(_join(path, "code"), f"{code!r} is not a rule code (known: {known})")
        return None
    severity = data.get("severity", RULE_TYPES[code].default_severity)
    params = data.get("params") or {}
    if not isinstance(params, dict):
        errors.add(_join(path, "params"), "must be a mapping of parameter names to values")
        return None
    ok = True
    enforcement = data.get("enforcement") or ""
    if enforcement not in ENFORCEMENTS:
        known = ", ".join(sorted(e for e in ENFORCEMENTS if e))
        errors.add(_join(path, "enforcement"), f"{enforcement!r} is not a policy (known: {known})")
        ok = False
    try:
        validate_severity(code, severity)
    except ValidationError as exc:
        for message in exc.message_dict["severity"]:
            errors.add(_join(path, "severity"), message)
        ok = False
    try:
        params = validate_params(code, params)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                errors.add(_join(path, field), message)
        ok = False
    if not ok:
        return None
    return RuleSpec(code=code, severity=severity, params=params, enforcement=enforcement)


def _percent(value: Any, path: str, errors: _Errors, *, positive: bool) -> Decimal | None:
    number = _money(value, path, errors, positive=positive)
    if number is not None and number > 100:
        errors.add(path, f"{number} is above 100 (percent)")
        return None
    return number


def _parse_scaling_plan(data: Any, kind: str, path: str, errors: _Errors, size) -> dict:
    """The phase's scaling plan as the Phase model's four scaling_* fields (all None: none)."""
    if data is None:
        return {}
    if kind != PhaseKind.FUNDED:
        errors.add(path, "only a funded phase has a scaling plan")
        return {}
    if not isinstance(data, dict):
        errors.add(path, "must be a mapping with cycles, min_profit_percent, growth_percent, cap")
        return {}
    _unknown_keys(data, SCALING_KEYS, path, errors)
    for key in sorted(SCALING_KEYS - set(data)):
        errors.add(_join(path, key), "this field is required")
    if SCALING_KEYS - set(data):
        return {}
    plan = {
        "scaling_cycles": _int(data["cycles"], _join(path, "cycles"), errors, 1, 100),
        "scaling_min_profit_percent": _percent(
            data["min_profit_percent"], _join(path, "min_profit_percent"), errors, positive=False
        ),
        "scaling_growth_percent": _percent(
            data["growth_percent"], _join(path, "growth_percent"), errors, positive=True
        ),
        "scaling_cap": _money(data["cap"], _join(path, "cap"), errors, positive=True),
    }
    cap = plan["scaling_cap"]
    if cap is not None and size is not None and cap <= size:
        errors.add(_join(path, "cap"), f"{cap} must be above the account size {size}")
    return plan if None not in plan.values() else {}


def _parse_phase(
    data: Any, order: int, path: str, errors: _Errors, size: Decimal | None = None
) -> PhaseSpec | None:
    if not isinstance(data, dict):
        errors.add(path, "a phase must be a mapping")
        return None
    _unknown_keys(data, PHASE_KEYS, path, errors)
    name = _text(data.get("name"), _join(path, "name"), errors, 60)
    kind = data.get("kind")
    if kind not in PhaseKind.values:
        errors.add(_join(path, "kind"), f"{kind!r} is not one of {', '.join(PhaseKind.values)}")
    reset_tz = str(data.get("reset_tz", "UTC"))
    try:
        validate_time_zone(reset_tz)
    except ValidationError as exc:
        errors.add(_join(path, "reset_tz"), exc.messages[0])
    reset_hour = _int(data.get("reset_hour", 0), _join(path, "reset_hour"), errors, 0, 23)
    min_payout = _money(
        data.get("min_payout", 0), _join(path, "min_payout"), errors, positive=False
    )
    auto_advance = _bool(data.get("auto_advance", True), _join(path, "auto_advance"), errors)

    profit_split = payout_cycle_days = None
    for field in ("profit_split", "payout_cycle_days"):
        if kind == PhaseKind.FUNDED and data.get(field) is None:
            errors.add(_join(path, field), "required for a funded phase")
        elif kind != PhaseKind.FUNDED and data.get(field) is not None:
            errors.add(_join(path, field), "only a funded phase has this field")
    if kind == PhaseKind.FUNDED and data.get("profit_split") is not None:
        profit_split = _money(
            data["profit_split"], _join(path, "profit_split"), errors, positive=True
        )
        if profit_split is not None and profit_split > 100:
            errors.add(_join(path, "profit_split"), f"{profit_split} is above 100 (percent)")
    if kind == PhaseKind.FUNDED and data.get("payout_cycle_days") is not None:
        payout_cycle_days = _int(
            data["payout_cycle_days"], _join(path, "payout_cycle_days"), errors, 1, 365
        )

    scaling = _parse_scaling_plan(
        data.get("scaling_plan"), kind, _join(path, "scaling_plan"), errors, size
    )

    rules_data = data.get("rules", [])
    rules: list[RuleSpec] = []
    if not isinstance(rules_data, list):
        errors.add(_join(path, "rules"), "must be a list of rules")
        rules_data = []
    seen: dict[str, int] = {}
    for index, rule_data in enumerate(rules_data):
        rule_path = f"{path}.rules[{index}]"
        rule = _parse_rule(rule_data, rule_path, errors)
        if rule is None:
            continue
        if rule.code in seen:
            errors.add(
                _join(rule_path, "code"),
                f"{rule.code} already appears at rules[{seen[rule.code]}]; a rule code "
                "appears once per phase",
            )
            continue
        seen[rule.code] = index
        rules.append(rule)
    return PhaseSpec(
        order=order,
        name=name,
        kind=kind,
        reset_tz=reset_tz,
        reset_hour=reset_hour or 0,
        profit_split=profit_split,
        payout_cycle_days=payout_cycle_days,
        min_payout=min_payout or Decimal("0.00"),
        auto_advance=auto_advance,
        rules=tuple(rules),
        **scaling,
    )


def parse_program_spec(data: Any) -> ProgramSpec:
    """Check a loaded spec (a dict) and return it typed and normalised; raise SpecError."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise SpecError([("", "a program spec must be a YAML mapping (name, slug, phases…)")])
    _unknown_keys(data, PROGRAM_KEYS, "", errors)
    name = _text(data.get("name"), "name", errors, 100)
    slug = _text(data.get("slug"), "slug", errors, 100)
    if slug:
        try:
            validate_slug(slug)
        except ValidationError:
            errors.add("slug", f"{slug!r} is not a slug (letters, digits, - and _)")
    description = _text(data.get("description"), "description", errors, 10_000, required=False)
    account_size = _money(data.get("account_size"), "account_size", errors, positive=True)
    price = _money(data.get("price"), "price", errors, positive=False)
    currency = str(data.get("currency", "USD"))
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors.add("currency", f"{currency!r} is not a 3-letter ISO code like USD")
    platform = data.get("platform", Platform.MT5)
    if platform not in Platform.values:
        errors.add("platform", f"{platform!r} is not one of {', '.join(Platform.values)}")
    is_active = _bool(data.get("is_active", True), "is_active", errors)

    phases_data = data.get("phases")
    phases: list[PhaseSpec] = []
    if not isinstance(phases_data, list) or not phases_data:
        errors.add("phases", "a program needs a list of at least one phase")
        phases_data = []
    for index, phase_data in enumerate(phases_data):
        phase = _parse_phase(phase_data, index + 1, f"phases[{index}]", errors, account_size)
        if phase is not None:
            phases.append(phase)
    for index, (before, after) in enumerate(zip(phases, phases[1:], strict=False)):
        if before.kind == PhaseKind.FUNDED and after.kind == PhaseKind.EVALUATION:
            errors.add(
                f"phases[{index + 1}].kind", "an evaluation phase cannot follow a funded phase"
            )
    names = [p.name for p in phases]
    for index, phase_name in enumerate(names):
        if phase_name and names.index(phase_name) != index:
            errors.add(f"phases[{index}].name", f"{phase_name!r} is used by another phase")

    if errors.items:
        raise SpecError(errors.items)
    return ProgramSpec(
        name=name,
        slug=slug,
        description=description,
        account_size=account_size,
        currency=currency,
        price=price,
        platform=platform,
        is_active=is_active,
        phases=tuple(phases),
    )


def read_program_spec(path: str | Path) -> ProgramSpec:
    """Read and parse a YAML spec file; a missing file or bad YAML is a SpecError too."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([("", f"cannot read {path}: {exc.strerror or exc}")]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError([("", f"{path} is not valid YAML{where}: {problem}")]) from exc
    return parse_program_spec(data)
