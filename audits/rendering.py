"""A visit as the API renders it, as a plain dict built straight from the model.

One rendering for the response (``VisitSerializer``, which declares the fields for the schema) and
for webhook events (``audits.events``). Hand-written because a visit page renders thousands of
answers and the generic field machinery would dominate the request time.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from core.money import money_text
from core.rendering import dt_representation
from core.validation import round_half_up

if TYPE_CHECKING:
    from .models import Visit


def rounded(value: float | None, places: int) -> float | None:
    """Half-up rounding of a stored float, read as the decimal it prints as (exact, and fast)."""
    if value is None:
        return None
    text = repr(value)
    dot = text.find(".")
    if dot >= 0 and len(text) - dot - 1 <= places and "e" not in text:
        return value  # already has at most ``places`` decimals (0.0, 1.0, 0.25...): nothing to round
    return float(round_half_up(value, places))


def photos_missing(sections: Any, photo_items: Counter[str], na_items: set[str]) -> list[dict[str, Any]]:
    """Items whose ``photo.min`` is not met yet (N/A and hidden items need no evidence)."""
    missing = []
    for section in sections or []:
        for item in section.get("items") or []:
            key = item.get("key")
            wanted = (item.get("photo") or {}).get("min", 1 if item.get("type") == "photo" else 0) or 0
            if key in na_items or wanted <= 0:
                continue
            short = wanted - photo_items.get(key, 0)
            if short > 0:
                missing.append({"item": key, "missing": short})
    return missing


def visit_representation(visit: Visit, *, show_auditor: bool) -> dict[str, Any]:
    """A visit as the API renders it: a plain dict, built without any serializer machinery."""
    answers = list(visit.answers.all())
    # Dispute evidence is stored as photos of the visit too, but it is not the visit's evidence.
    photo_items = Counter(photo.item_key for photo in visit.photos.all() if photo.dispute_id is None)
    hidden_items = list(visit.hidden_items or [])
    na_items = {answer.item_key for answer in answers if answer.na} | set(hidden_items)
    position = None
    if visit.latitude is not None and visit.longitude is not None:
        position = {
            "latitude": visit.latitude,
            "longitude": visit.longitude,
            "accuracy_m": visit.accuracy_m,
        }
    return {
        "id": str(visit.pk),
        "assignment": visit.assignment_id,
        "location": visit.location_id,
        "checklist": visit.checklist_id,
        "checklist_version": visit.checklist_version.number,
        "kind": visit.kind,
        "status": visit.status,
        "auditor": visit.auditor_id if show_auditor else None,
        "started_at": dt_representation(visit.started_at),
        "ended_at": dt_representation(visit.ended_at),
        "position": position,
        "notes": visit.notes,
        "expenses": None
        if visit.expenses_amount is None
        else {"amount": money_text(visit.expenses_amount), "note": visit.expenses_note},
        "score": visit.score,
        "original_score": visit.original_score,
        "passed": visit.passed,
        "critical_failures": list(visit.critical_failures or []),
        "sections": [{"key": s.get("key"), "score": s.get("score")} for s in visit.section_scores or []],
        "answers": [
            {
                "item": answer.item_key,
                "value": answer.value,
                "na": answer.na,
                "comment": answer.comment,
                "score": rounded(answer.score, 4),
            }
            for answer in answers
        ],
        "photos_missing": photos_missing(visit.checklist_version.sections, photo_items, na_items),
        "hidden_items": hidden_items,
        "unanswered_items": list(visit.unanswered_items or []),
        "off_site": visit.off_site,
        "outside_window": visit.outside_window,
        "flags": [{"code": flag.get("code"), "detail": flag.get("detail")} for flag in visit.flags or []],
        "risk": visit.risk,
        "created_at": dt_representation(visit.created_at),
        "updated_at": dt_representation(visit.updated_at),
    }
