"""Reads for calibrations, scoped to the caller: the calibration list, one calibration's result,
and the agreement report pooled over calibrations (``calibrations.agreement`` does the arithmetic).

A calibration's visits are its assignments' visits that are submitted or approved. Missing
answers (N/A, hidden by ``show_if``, an auditor not in) are missing values, never zeros.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from audits.models import Answer, Visit, VisitStatus
from core.principal import Principal
from core.roles import Role
from core.tenancy import scope_rows
from core.validation import round_half_up

from . import agreement
from .models import Calibration

COUNTED = (VisitStatus.SUBMITTED, VisitStatus.APPROVED)
#: The level of measurement of each item type's answers in the pooled report.
LEVEL_BY_TYPE = {"yes_no": "nominal", "choice": "nominal", "scale": "ordinal", "number": "interval"}


def calibrations_visible_to(principal: Principal) -> QuerySet[Calibration]:
    """Admins: the organization's; managers: those at their regions' locations; nobody else."""
    if principal.role not in (Role.ADMIN, Role.MANAGER):
        return Calibration.objects.none()
    return scope_rows(Calibration.objects.all(), principal, location="location")


def calibration_list(principal: Principal) -> QuerySet[Calibration]:
    return (
        calibrations_visible_to(principal).select_related("checklist_version").prefetch_related("assignments")
    )


def _rounded(value: float | None, places: int) -> float | None:
    return None if value is None else float(round_half_up(value, places))


def _visits(calibrations: Iterable[Calibration]) -> dict[Any, list[Visit]]:
    """Counted visits of each calibration, with their answers: two queries for any number."""
    ids = [c.pk for c in calibrations]
    visits = (
        Visit.objects.filter(assignment__calibrations__in=ids, status__in=COUNTED)
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by("position")))
        .order_by("auditor_id", "started_at")
        .distinct()
    )
    by_calibration: dict[Any, list[Visit]] = defaultdict(list)
    links = Calibration.assignments.through.objects.filter(calibration_id__in=ids).values_list(
        "calibration_id", "assignment_id"
    )
    calibration_of = {assignment_id: calibration_id for calibration_id, assignment_id in links}
    for visit in visits:
        if visit.assignment_id is not None:  # always set: the visit was found through its assignment
            by_calibration[calibration_of[visit.assignment_id]].append(visit)
    return by_calibration


def scored_items(sections: Any) -> list[dict[str, Any]]:
    """The version's items that get an item score, in checklist order."""
    items = []
    for section in sections or []:
        for item in section.get("items") or []:
            kind = item.get("type")
            if kind in ("yes_no", "scale", "choice") or (
                kind == "number" and (item.get("pass_min") is not None or item.get("pass_max") is not None)
            ):
                items.append(item)
    return items


@dataclass
class CalibrationResult:
    calibration: Calibration
    visits: list[Visit]
    items: list[dict[str, Any]] = field(default_factory=list)
    percent_agreement: float | None = None
    alpha: float | None = None
    per_auditor: list[dict[str, Any]] = field(default_factory=list)


def calibration_result(calibration: Calibration) -> CalibrationResult:
    visits = _visits([calibration]).get(calibration.pk, [])
    result = CalibrationResult(calibration=calibration, visits=visits)
    if len(visits) < 2:
        return result
    answers = [{a.item_key: a for a in visit.answers.all()} for visit in visits]
    matrix: list[list[float | None]] = [[] for _ in visits]
    agreements = []
    for item in scored_items(calibration.checklist_version.sections):
        key = item["key"]
        ratings = []
        for row, (visit, by_key) in enumerate(zip(visits, answers, strict=True)):
            answer = by_key.get(key)
            score = None if answer is None or answer.na else answer.score
            matrix[row].append(score)
            ratings.append(
                {
                    "auditor": visit.auditor_id,
                    "value": None if answer is None or answer.na else answer.value,
                    "item_score": _rounded(score, 4),
                }
            )
        agree = agreement.all_agree([r[-1] for r in matrix])
        agreements.append(agree)
        result.items.append({"item": key, "ratings": ratings, "agree": agree})
    result.percent_agreement = _rounded(agreement.percent_agreement(agreements), 2)
    alpha = agreement.alpha(matrix, "interval")
    result.alpha = _rounded(alpha, 3)
    for row, visit in enumerate(visits):
        others = [matrix[i] for i in range(len(visits)) if i != row]
        distance = agreement.distance_from_consensus(matrix[row], others)
        result.per_auditor.append(
            {"auditor": visit.auditor_id, "visit": visit.pk, "distance_from_consensus": _rounded(distance, 4)}
        )
    return result


# --- the pooled agreement report ----------------------------------------------------------------


def _coded(item: Mapping[str, Any], answer: Answer | None) -> float | None:
    """An answer as a number at its item type's level: yes/no 1/0, a choice its option's position."""
    if answer is None or answer.na or answer.value is None:
        return None
    value = answer.value
    kind = item.get("type")
    if kind == "yes_no":
        return 1.0 if value is True else 0.0 if value is False else None
    if kind == "choice":
        keys = [option.get("key") for option in item.get("options") or []]
        return float(keys.index(value)) if value in keys else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass
class _ItemUnits:
    checklist: int
    item: Mapping[str, Any]
    units: list[dict[int, float | None]] = field(default_factory=list)


def agreement_report(
    *, principal: Principal, date_from: dt.date, date_to: dt.date, checklist_id: int | None
) -> list[dict[str, Any]]:
    """Per item: how many calibrations rated it (two ratings or more), the percent of those answered
    by all on which all agree, and alpha with the calibrations as units at the item type's level."""
    calibrations = list(
        calibrations_visible_to(principal)
        .filter(due_from__date__gte=date_from, due_from__date__lte=date_to)
        .filter(**({"checklist_id": checklist_id} if checklist_id is not None else {}))
        .select_related("checklist_version")
        .order_by("due_from", "id")
    )
    visits = _visits(calibrations)
    pooled: dict[tuple[int, str], _ItemUnits] = {}
    for calibration in calibrations:
        rated = visits.get(calibration.pk, [])
        for item in scored_items(calibration.checklist_version.sections):
            entry = pooled.setdefault(
                (calibration.checklist_id, item["key"]), _ItemUnits(calibration.checklist_id, item)
            )
            entry.item = item  # the latest version's definition (calibrations come oldest first)
            unit = {}
            for visit in rated:
                answer = next((a for a in visit.answers.all() if a.item_key == item["key"]), None)
                unit[visit.auditor_id or 0] = _coded(item, answer)
            entry.units.append(unit)
    return [_pooled_row(key, entry) for key, entry in pooled.items()]


def _pooled_row(key: tuple[int, str], entry: _ItemUnits) -> dict[str, Any]:
    level = LEVEL_BY_TYPE.get(str(entry.item.get("type")), "interval")
    coders = sorted({coder for unit in entry.units for coder in unit})
    matrix = [[unit.get(coder) for unit in entry.units] for coder in coders]
    rated = [unit for unit in entry.units if sum(v is not None for v in unit.values()) >= 2]
    agreements = [agreement.all_agree(list(unit.values())) for unit in entry.units]
    return {
        "checklist": key[0],
        "item": key[1],
        "type": entry.item.get("type"),
        "level": level,
        "calibrations": len(rated),
        "percent_agreement": _rounded(agreement.percent_agreement(agreements), 2),
        "alpha": _rounded(agreement.alpha(matrix, level) if matrix else None, 3),
    }
