"""What-if: run a candidate rule set over a program's stored history, writing nothing.

The candidate is YAML, either one list applied to every phase of the program::

    - {code: max_daily_loss, severity: hard, params: {percent: 4}}
    - {code: profit_target, params: {percent: 8}}

or rules per phase name (phases not named keep the rules their accounts have)::

    phases:
      Phase 1:
        - {code: max_daily_loss, severity: hard, params: {percent: 4}}
      Phase 2: [...]

Each rule is checked with `evaluations.rule_types.validate_params` / `validate_severity`.
Each account is judged as of its end (ended accounts) or now, exactly as the live evaluation
does, and compared with its stored status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import yaml
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from evaluations.models import AccountStatus, PhaseKind, Program, TradingAccount
from evaluations.rule_types import RULE_TYPES, validate_params, validate_severity
from risk.engine.evaluate import evaluate
from risk.engine.types import RuleIn

from .loading import iter_accounts


class CandidateError(ValueError):
    """The candidate rule file is not valid; the message names the rule and field."""


def _rules(items, where: str) -> tuple[RuleIn, ...]:
    if not isinstance(items, list):
        raise CandidateError(f"{where}: expected a list of rules")
    rules, seen = [], set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict) or "code" not in item:
            raise CandidateError(f"{where}, rule {n}: expected {{code, severity, params}}")
        code = str(item["code"])
        if code not in RULE_TYPES:
            raise CandidateError(f"{where}, rule {n}: unknown rule {code!r}")
        if code in seen:
            raise CandidateError(f"{where}: rule {code} given twice")
        seen.add(code)
        severity = str(item.get("severity") or RULE_TYPES[code].default_severity)
        try:
            params = validate_params(code, item.get("params") or {})
            validate_severity(code, severity)
        except ValidationError as exc:
            raise CandidateError(f"{where}, rule {code}: {'; '.join(exc.messages)}") from exc
        rules.append(RuleIn(code, severity, params))
    return tuple(sorted(rules, key=lambda r: r.code))


def parse_candidate(text: str, phase_names: list[str]) -> dict[str, tuple[RuleIn, ...]]:
    """Parse and validate a candidate rule file: phase name -> rules."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CandidateError(f"not valid YAML: {exc}") from exc
    if isinstance(data, dict) and "rules" in data and "phases" not in data:
        data = data["rules"]
    if isinstance(data, list):
        rules = _rules(data, "rules")
        return dict.fromkeys(phase_names, rules)
    if isinstance(data, dict) and isinstance(data.get("phases"), dict):
        unknown = sorted(set(data["phases"]) - set(phase_names))
        if unknown:
            raise CandidateError(
                f"unknown phase(s) {', '.join(unknown)}; the program has {', '.join(phase_names)}"
            )
        return {name: _rules(items, f"phase {name}") for name, items in data["phases"].items()}
    raise CandidateError("expected a list of rules, or {phases: {phase name: [rules]}}")


@dataclass
class ReplayReport:
    """How outcomes under the candidate differ from the stored ones (logins, by rule code)."""

    accounts: int = 0
    would_fail: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    would_not_fail: list[str] = field(default_factory=list)
    would_pass: list[str] = field(default_factory=list)
    would_not_pass: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {
            "accounts": self.accounts,
            "would_fail": {k: sorted(v) for k, v in sorted(self.would_fail.items())},
            "would_not_fail": sorted(self.would_not_fail),
            "would_pass": sorted(self.would_pass),
            "would_not_pass": sorted(self.would_not_pass),
            "unchanged": self.unchanged,
        }


def replay_rules(
    program: Program,
    candidate: dict[str, tuple[RuleIn, ...]],
    *,
    since: dt.date | None = None,
    as_of: dt.datetime | None = None,
) -> ReplayReport:
    """Evaluate the program's accounts (started on/after `since`) under the candidate rules and
    report the differences with their stored status. Reads only; writes nothing.

    would fail: a hard breach under the candidate, account not failed;
    would not fail: failed, but no hard breach under the candidate;
    would pass: evaluation phase, objectives met and no hard breach, account not passed;
    would not pass: passed, but the candidate's objectives are not met.
    """
    accounts = TradingAccount.objects.filter(program=program)
    if since is not None:
        accounts = accounts.filter(started_at__date__gte=since)
    ids = list(accounts.order_by("pk").values_list("pk", flat=True))
    report = ReplayReport()
    # A read-only transaction: the streamed cursors need one, and PostgreSQL refuses any write.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        for context, account_in in iter_accounts(ids, as_of=as_of):
            rules = candidate.get(context.phase_name, account_in.rules)
            result = evaluate(dataclasses.replace(account_in, rules=rules))
            report.accounts += 1
            fails = result.first_hard_breach is not None
            passes = (
                not fails and context.phase_kind == PhaseKind.EVALUATION and result.objectives_met
            )
            failed, passed = (
                context.status == AccountStatus.FAILED,
                context.status == AccountStatus.PASSED,
            )
            if fails and not failed:
                report.would_fail[result.first_hard_breach.code].append(context.login)
            elif failed and not fails:
                report.would_not_fail.append(context.login)
            elif passes and not passed and not failed:
                report.would_pass.append(context.login)
            elif passed and not passes:
                report.would_not_pass.append(context.login)
            else:
                report.unchanged += 1
    return report
