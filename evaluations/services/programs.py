"""Write paths for programs, phases and rule sets: loading a spec, versioning rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from evaluations.models import Phase, Program, Rule, RuleSet
from evaluations.program_spec import PhaseSpec, ProgramSpec, RuleSpec, SpecError
from evaluations.rule_types import validate_params

PROGRAM_FIELDS = (
    "name",
    "description",
    "account_size",
    "currency",
    "price",
    "platform",
    "is_active",
)
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


@dataclass
class PhaseOutcome:
    order: int
    name: str
    phase: str  # "created" | "updated" | "unchanged"
    rules: str  # "created" | "new version" | "unchanged"
    rule_set_version: int


@dataclass
class LoadOutcome:
    program: Program
    program_change: str  # "created" | "updated" | "unchanged"
    phases: list[PhaseOutcome] = field(default_factory=list)
    removed_phases: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (
            self.program_change != "unchanged"
            or bool(self.removed_phases)
            or any(p.phase != "unchanged" or p.rules != "unchanged" for p in self.phases)
        )

    def lines(self) -> list[str]:
        """Human-readable summary, one line per program/phase, as load_program prints it."""
        overall = "created" if self.program_change == "created" else "unchanged"
        if overall == "unchanged" and self.changed:
            overall = "updated"
        out = [f'Program "{self.program.name}" ({self.program.slug}): {overall}']
        for p in self.phases:
            out.append(
                f'  phase {p.order} "{p.name}": {p.phase}; rules v{p.rule_set_version} {p.rules}'
            )
        out.extend(f'  phase "{name}": removed' for name in self.removed_phases)
        return out


def rule_keys_of(rule_set: RuleSet | None) -> frozenset:
    """The rules of a stored version in the comparable form of `RuleSpec.key()`."""
    if rule_set is None:
        return frozenset()
    return frozenset(
        RuleSpec(r.code, r.severity, validate_params(r.code, r.params)).key()
        for r in rule_set.rules.all()
    )


def next_rule_set_version(phase: Phase) -> int:
    return (phase.rule_sets.aggregate(v=Max("version"))["v"] or 0) + 1


def _model_errors(exc: ValidationError, prefix: str) -> list[tuple[str, str]]:
    errors = []
    for name, messages in exc.message_dict.items():
        path = prefix if name == "__all__" else (f"{prefix}.{name}" if prefix else name)
        errors.extend((path, message) for message in messages)
    return errors


def _apply(instance, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _save_phase(program: Program, spec: PhaseSpec, index: int, source: str, by) -> PhaseOutcome:
    values = {name: getattr(spec, name) for name in PHASE_FIELDS}
    phase = program.phases.filter(order=spec.order).first()
    if phase is None:
        phase, phase_change = Phase(program=program, order=spec.order, **values), "created"
    else:
        phase_change = "updated" if _apply(phase, values) else "unchanged"
    if phase_change != "unchanged":
        try:
            phase.full_clean()
        except ValidationError as exc:
            raise SpecError(_model_errors(exc, f"phases[{index}]")) from exc
        phase.save()

    current = phase.current_rule_set
    wanted = frozenset(rule.key() for rule in spec.rules)
    if current is not None and rule_keys_of(current) == wanted:
        return PhaseOutcome(spec.order, spec.name, phase_change, "unchanged", current.version)
    rule_set = RuleSet.objects.create(
        phase=phase,
        version=next_rule_set_version(phase),
        note=f"Loaded from {source}" if source else "Loaded from a program spec",
        created_by=by,
    )
    for rule in spec.rules:
        Rule.objects.create(
            rule_set=rule_set, code=rule.code, severity=rule.severity, params=rule.params
        )
    rules_change = "created" if current is None else "new version"
    return PhaseOutcome(spec.order, spec.name, phase_change, rules_change, rule_set.version)


@transaction.atomic
def load_program(spec: ProgramSpec, *, source: str = "", by=None) -> LoadOutcome:
    """Create or update the program `spec.slug` and its phases from a parsed spec.

    Phases match by position (phases[0] is order 1). A phase whose rules differ from its
    current rule set gets a NEW RuleSet version (existing versions are never edited, so
    accounts keep the rules they started under); identical rules leave it unchanged.
    Phases beyond the spec's list are deleted if no account uses them, else it is an error.
    Atomic: on any SpecError nothing is written.
    """
    program = Program.objects.filter(slug=spec.slug).first()
    values = {name: getattr(spec, name) for name in PROGRAM_FIELDS}
    if program is None:
        program, program_change = Program(slug=spec.slug, **values), "created"
    else:
        program_change = "updated" if _apply(program, values) else "unchanged"
    if program_change != "unchanged":
        try:
            program.full_clean()
        except ValidationError as exc:
            raise SpecError(_model_errors(exc, "")) from exc
        program.save()

    outcome = LoadOutcome(program=program, program_change=program_change)
    for index, phase_spec in enumerate(spec.phases):
        outcome.phases.append(_save_phase(program, phase_spec, index, source, by))

    for extra in program.phases.filter(order__gt=len(spec.phases)).order_by("order"):
        if extra.accounts.exists():
            raise SpecError(
                [
                    (
                        "phases",
                        f'phase {extra.order} "{extra.name}" has accounts and cannot be removed; '
                        "keep it in the spec",
                    )
                ]
            )
        outcome.removed_phases.append(extra.name)
        extra.delete()
    return outcome


@transaction.atomic
def copy_rule_set_as_new_version(rule_set: RuleSet, *, by=None) -> RuleSet:
    """Copy a version's rules into a new, editable version of the same phase.

    The new version becomes the phase's current rule set, so accounts opened from now on use
    it; accounts already open keep the version they started under.
    """
    phase = Phase.objects.select_for_update().get(pk=rule_set.phase_id)
    copy = RuleSet.objects.create(
        phase=phase,
        version=next_rule_set_version(phase),
        note=f"Copy of v{rule_set.version}",
        created_by=by,
    )
    for rule in rule_set.rules.all():
        Rule.objects.create(
            rule_set=copy, code=rule.code, severity=rule.severity, params=rule.params
        )
    return copy
