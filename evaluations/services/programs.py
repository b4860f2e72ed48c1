"""Write paths for programs, phases and rule sets: loading a spec, versioning rules, and the
edits staff make in the admin.

Each change writes its audit event here (accounts.audit), with the acting user passed as `by`
(None: the system, e.g. a command loading a spec). A rule set's creation or edit is one event
whose before/after list its rules; simple-history keeps the versions of each row besides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from accounts.audit import by_whom, changed, fields_of, record
from accounts.models import AuditAction
from evaluations.models import Phase, Program, Rule, RuleSet
from evaluations.program_spec import (
    PHASE_FIELDS,
    SCALING_FIELDS,
    PhaseSpec,
    ProgramSpec,
    RuleSpec,
    SpecError,
)
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
        RuleSpec(r.code, r.severity, validate_params(r.code, r.params), r.enforcement).key()
        for r in rule_set.rules.all()
    )


def next_rule_set_version(phase: Phase) -> int:
    return (phase.rule_sets.aggregate(v=Max("version"))["v"] or 0) + 1


class RuleSetInUse(Exception):
    """Accounts use this rule set version: copy it as a new version to change rules."""


def rules_of(rule_set: RuleSet) -> list[dict]:
    """A version's rules as the audit log stores them (sorted by code)."""
    return [
        {"code": r.code, "severity": r.severity, "params": r.params}
        | ({"enforcement": r.enforcement} if r.enforcement else {})
        for r in sorted(rule_set.rules.all(), key=lambda rule: rule.code)
    ]


def _rule_set_state(rule_set: RuleSet) -> dict:
    return {"note": rule_set.note, "rules": rules_of(rule_set)}


def _audit_rule_set_created(rule_set: RuleSet, by) -> None:
    note = f": {rule_set.note}" if rule_set.note else ""
    record(
        AuditAction.RULESET_CREATED,
        actor=by,
        obj=rule_set,
        summary=f"Rule set v{rule_set.version} created for phase #{rule_set.phase_id} "
        f"by {by_whom(by)}{note}",
        before={},
        after=_rule_set_state(rule_set),
        data={"phase_id": rule_set.phase_id, "version": rule_set.version, "note": rule_set.note},
    )


def _refuse_in_use(rule_set: RuleSet) -> None:
    if rule_set.pk is not None and rule_set.accounts.exists():
        raise RuleSetInUse(
            f"rule set v{rule_set.version} is used by accounts; copy it as a new version"
        )


def _new_rule_set(phase: Phase, *, note: str, by, rules) -> RuleSet:
    """Create the phase's next version with these rules (objects with code/severity/params)."""
    rule_set = RuleSet.objects.create(
        phase=phase, version=next_rule_set_version(phase), note=note, created_by=by
    )
    for rule in rules:
        Rule.objects.create(
            rule_set=rule_set,
            code=rule.code,
            severity=rule.severity,
            params=rule.params,
            enforcement=getattr(rule, "enforcement", ""),
        )
    _audit_rule_set_created(rule_set, by)
    return rule_set


@transaction.atomic
def save_rule_set(
    rule_set: RuleSet,
    *,
    by,
    rules: list[Rule] = (),
    deleted_rules: list[Rule] = (),
) -> RuleSet:
    """Create a new rule set version (unsaved `rule_set`) or edit one no account uses yet.

    `rules` are new or changed rules of this set and `deleted_rules` the ones to remove (the
    admin's inline rows). A new version takes the phase's next number and `by` as its author.
    One audit event: "created" with its rules, or "changed" with the note and rules before and
    after.
    """
    creating = rule_set.pk is None
    if creating:
        Phase.objects.select_for_update().get(pk=rule_set.phase_id)
        rule_set.version = next_rule_set_version(rule_set.phase)
        rule_set.created_by = by
        before = None
    else:
        stored = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
        _refuse_in_use(stored)
        before = _rule_set_state(stored)
    rule_set.save()
    for rule in deleted_rules:
        rule.delete()
    for rule in rules:
        rule.rule_set = rule_set
        rule.save()
    if creating:
        _audit_rule_set_created(rule_set, by)
        return rule_set
    after = _rule_set_state(rule_set)
    if after != before:
        record(
            AuditAction.RULESET_CHANGED,
            actor=by,
            obj=rule_set,
            summary=f"Rule set v{rule_set.version} of phase #{rule_set.phase_id} changed "
            f"by {by_whom(by)}",
            before=before,
            after=after,
            data={"phase_id": rule_set.phase_id, "version": rule_set.version},
        )
    return rule_set


@transaction.atomic
def save_rule(rule: Rule, *, by) -> Rule:
    """Add a rule to, or change one in, a rule set no account uses yet; one audit event with
    the rule's code, severity and params before and after."""
    RuleSet.objects.select_for_update().get(pk=rule.rule_set_id)
    _refuse_in_use(rule.rule_set)
    created = rule.pk is None
    stored = None if created else Rule.objects.get(pk=rule.pk)
    names = ("rule_set", "code", "severity", "params", "enforcement")
    before = {} if stored is None else fields_of(stored, names)
    rule.save()
    after = fields_of(rule, names)
    verb = "added to" if created else "changed in"
    record(
        AuditAction.RULE_CHANGED,
        actor=by,
        obj=rule,
        summary=f"Rule {rule.code} ({rule.severity}) {verb} rule set #{rule.rule_set_id} "
        f"by {by_whom(by)}: {rule.params}",
        before=before,
        after=after,
        data={
            "rule_set_id": rule.rule_set_id,
            "code": rule.code,
            "severity": rule.severity,
            "params": rule.params,
            "created": created,
        },
    )
    return rule


@transaction.atomic
def delete_rule(rule: Rule, *, by) -> None:
    """Remove a rule from a rule set no account uses yet; audited with what it was."""
    RuleSet.objects.select_for_update().get(pk=rule.rule_set_id)
    _refuse_in_use(rule.rule_set)
    before = fields_of(rule, ("rule_set", "code", "severity", "params"))
    record(
        AuditAction.RULE_DELETED,
        actor=by,
        obj=rule,
        summary=f"Rule {rule.code} deleted from rule set #{rule.rule_set_id} by {by_whom(by)}",
        before=before,
        after={},
    )
    rule.delete()


@transaction.atomic
def delete_rule_set(rule_set: RuleSet, *, by) -> None:
    """Delete a version no account uses (e.g. a copy made by mistake); audited with its rules."""
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    _refuse_in_use(rule_set)
    record(
        AuditAction.RULESET_CHANGED,
        actor=by,
        obj=rule_set,
        summary=f"Rule set v{rule_set.version} of phase #{rule_set.phase_id} deleted "
        f"by {by_whom(by)}",
        before=_rule_set_state(rule_set),
        after={},
        data={"phase_id": rule_set.phase_id, "version": rule_set.version, "deleted": True},
    )
    rule_set.delete()


def _audit_program_change(obj: Program | Phase, before: dict, after: dict, by, verb: str):
    what = f"Program {obj.name}" if isinstance(obj, Program) else f"Phase {obj}"
    record(
        AuditAction.PROGRAM_CHANGED,
        actor=by,
        obj=obj,
        summary=f"{what} {verb} by {by_whom(by)}",
        before=before,
        after=after,
        data={"change": verb},
    )


@transaction.atomic
def save_program(program: Program, *, by) -> Program:
    """Create or edit a program (the admin's form); audited with the fields that changed."""
    _save_audited(program, PROGRAM_FIELDS + ("slug", "bridge"), by)
    return program


@transaction.atomic
def save_phase(phase: Phase, *, by) -> Phase:
    """Create or edit a phase (split, cycle, reset time…); audited with the fields that changed."""
    _save_audited(phase, PHASE_FIELDS + SCALING_FIELDS + ("program", "order"), by)
    return phase


@transaction.atomic
def delete_phase(phase: Phase, *, by) -> None:
    """Delete a phase no account uses (accounts protect theirs); audited with what it was."""
    before = fields_of(phase, PHASE_FIELDS + ("program", "order"))
    _audit_program_change(phase, before, {}, by, "deleted")
    phase.delete()


@transaction.atomic
def delete_program(program: Program, *, by) -> None:
    """Delete a program no account uses (accounts protect theirs); audited with what it was."""
    before = fields_of(program, PROGRAM_FIELDS + ("slug",))
    _audit_program_change(program, before, {}, by, "deleted")
    program.delete()


def _save_audited(obj: Program | Phase, names: tuple[str, ...], by) -> None:
    stored = None if obj.pk is None else type(obj).objects.filter(pk=obj.pk).first()
    before_all = {} if stored is None else fields_of(stored, names)
    obj.save()
    before, after = changed(before_all, fields_of(obj, names))
    if stored is None or after:
        _audit_program_change(obj, before, after, by, "created" if stored is None else "changed")


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
    values = {name: getattr(spec, name) for name in PHASE_FIELDS + SCALING_FIELDS}
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
        _save_audited(phase, PHASE_FIELDS + SCALING_FIELDS + ("program", "order"), by)

    current = phase.current_rule_set
    wanted = frozenset(rule.key() for rule in spec.rules)
    if current is not None and rule_keys_of(current) == wanted:
        return PhaseOutcome(spec.order, spec.name, phase_change, "unchanged", current.version)
    note = f"Loaded from {source}" if source else "Loaded from a program spec"
    rule_set = _new_rule_set(phase, note=note, by=by, rules=spec.rules)
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
        _save_audited(program, PROGRAM_FIELDS + ("slug", "bridge"), by)

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
        delete_phase(extra, by=by)
    return outcome


@transaction.atomic
def copy_rule_set_as_new_version(rule_set: RuleSet, *, by=None) -> RuleSet:
    """Copy a version's rules into a new, editable version of the same phase.

    The new version becomes the phase's current rule set, so accounts opened from now on use
    it; accounts already open keep the version they started under.
    """
    phase = Phase.objects.select_for_update().get(pk=rule_set.phase_id)
    return _new_rule_set(
        phase, note=f"Copy of v{rule_set.version}", by=by, rules=list(rule_set.rules.all())
    )
