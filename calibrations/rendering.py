"""A calibration as the API renders it (with its result when it is read on its own)."""

from __future__ import annotations

from typing import Any

from core.rendering import dt_representation

from .models import Calibration
from .selectors import CalibrationResult


def calibration_representation(
    calibration: Calibration, result: CalibrationResult | None = None
) -> dict[str, Any]:
    assignments = sorted(calibration.assignments.all(), key=lambda a: a.pk)
    data: dict[str, Any] = {
        "id": str(calibration.pk),
        "location": calibration.location_id,
        "checklist": calibration.checklist_id,
        "checklist_version": calibration.checklist_version.number,
        "due_from": dt_representation(calibration.due_from),
        "due_until": dt_representation(calibration.due_until),
        "auditors": [a.auditor_id for a in assignments],
        "assignments": [a.pk for a in assignments],
        "created_at": dt_representation(calibration.created_at),
    }
    if result is not None:
        data.update(
            visits=len(result.visits),
            items=result.items,
            percent_agreement=result.percent_agreement,
            alpha=result.alpha,
            per_auditor=[{**row, "visit": str(row["visit"])} for row in result.per_auditor],
        )
    return data
