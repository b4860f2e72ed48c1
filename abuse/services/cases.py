"""Storing findings and grouping them into cases, idempotently.

A finding is keyed (detector + accounts or shared value): storing it again updates its score
and evidence in place. New findings join the open case of any trader they name; findings that
link traders of several open cases merge those cases into the oldest. A case's score is
1 − Π(1 − finding score): independent signals add up, none alone exceeds 1.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from ..detectors.components import connected_components
from ..detectors.types import Finding as Found
from ..models import Case, CaseComment, CaseStatus, Finding

LOCK_KEY = 7_316_001  # pg_advisory_xact_lock: one scan stores at a time
MAX_SCORE = 0.999


@dataclass
class Stored:
    new_findings: int = 0
    updated_findings: int = 0
    new_cases: list[int] = field(default_factory=list)


def case_score(scores: list[float]) -> float:
    """1 − Π(1 − s) over the findings' scores, each capped below 1."""
    return round(1 - math.prod(1 - min(s, MAX_SCORE) for s in scores), 4)


def case_drivers(findings: list[tuple[str, float]]) -> list[dict]:
    """Per detector: its combined score and its share of the case's evidence weight
    (−ln(1 − s) summed), strongest first — what the queue shows as "driven by"."""
    weights: dict[str, float] = {}
    scores: dict[str, list[float]] = {}
    for detector, score in findings:
        weights[detector] = weights.get(detector, 0) - math.log(1 - min(score, MAX_SCORE))
        scores.setdefault(detector, []).append(score)
    total = sum(weights.values()) or 1
    drivers = [
        {
            "detector": d,
            "score": case_score(scores[d]),
            "findings": len(scores[d]),
            "share": round(w / total, 3),
        }
        for d, w in weights.items()
    ]
    return sorted(drivers, key=lambda d: (-d["share"], d["detector"]))


def store_findings(found: list[Found], *, now: dt.datetime | None = None) -> Stored:
    """Upsert the findings and file the new ones into cases (see the module docstring)."""
    now = now or timezone.now()
    result = Stored()
    unique = {f.key: f for f in found}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        existing = {f.key: f for f in Finding.objects.filter(key__in=list(unique))}
        changed, touched = [], set()
        for key, f in unique.items():
            row = existing.get(key)
            if row is None:
                continue
            if (row.score, row.evidence, row.summary) != (f.score, f.evidence, f.summary):
                row.score, row.evidence, row.summary, row.last_seen = (
                    f.score,
                    f.evidence,
                    f.summary,
                    now,
                )
                changed.append(row)
                touched.add(row.case_id)
        Finding.objects.bulk_update(changed, ["score", "evidence", "summary", "last_seen"])
        result.updated_findings = len(changed)
        new = [f for key, f in unique.items() if key not in existing]
        result.new_findings = len(new)
        touched |= _file_new(new, now, result)
        for case in Case.objects.filter(pk__in=touched):
            _refresh(case, now)
    return result


def _open_cases_of(trader_ids: set[int]) -> dict[int, set[int]]:
    through = Case.traders.through
    found: dict[int, set[int]] = {}
    for user_id, case_id in through.objects.filter(
        case__status=CaseStatus.OPEN, user_id__in=trader_ids
    ).values_list("user_id", "case_id"):
        found.setdefault(user_id, set()).add(case_id)
    return found


def _file_new(new: list[Found], now: dt.datetime, result: Stored) -> set[int]:
    if not new:
        return set()
    edges = [(f.trader_ids[0], t) for f in new for t in f.trader_ids]
    open_cases = _open_cases_of({t for f in new for t in f.trader_ids})
    touched = set()
    for traders in connected_components(edges):
        case_ids = sorted({c for t in traders for c in open_cases.get(t, ())})
        if case_ids:
            case = Case.objects.get(pk=case_ids[0])
            _merge(case, case_ids[1:])
        else:
            case = Case.objects.create(opened_at=now, updated_at=now)
            result.new_cases.append(case.pk)
        Finding.objects.bulk_create(
            Finding(
                detector=f.detector,
                key=f.key,
                score=f.score,
                summary=f.summary,
                evidence=f.evidence,
                trader_ids=list(f.trader_ids),
                account_ids=list(f.account_ids),
                case=case,
                first_seen=now,
                last_seen=now,
            )
            for f in new
            if f.trader_ids[0] in traders
        )
        touched.add(case.pk)
    return touched


def _merge(into: Case, others: list[int]) -> None:
    """Move the findings and comments of other open cases into `into` and delete them."""
    if not others:
        return
    Finding.objects.filter(case_id__in=others).update(case=into)
    CaseComment.objects.filter(case_id__in=others).update(case=into)
    Case.objects.filter(pk__in=others).delete()


def _refresh(case: Case, now: dt.datetime) -> None:
    """The case's traders, accounts, score and drivers from its findings."""
    rows = list(case.findings.values_list("detector", "score", "trader_ids", "account_ids"))
    case.score = case_score([score for _, score, _, _ in rows])
    case.drivers = case_drivers([(d, s) for d, s, _, _ in rows])
    case.updated_at = now
    case.save(update_fields=["score", "drivers", "updated_at"])
    case.traders.set({t for _, _, traders, _ in rows for t in traders})
    case.accounts.set({a for _, _, _, accounts in rows for a in accounts})
