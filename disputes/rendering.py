"""A dispute as the API renders it, as a plain dict built straight from the model.

One rendering for every reader (``DisputeSerializer`` declares the fields for the schema) and for
webhook events (``disputes.events``): it never says who opened or decided the dispute (only
``created_by_role``) nor who audited the visit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audits.rendering import rounded
from core.rendering import dt_representation

if TYPE_CHECKING:
    from .models import Dispute

MAX_TEXT = 2000


def dispute_representation(dispute: Dispute) -> dict[str, Any]:
    return {
        "id": str(dispute.pk),
        "visit": str(dispute.visit_id),
        "location": dispute.location_id,
        "status": dispute.status,
        "items": [
            {
                "item": item.item_key,
                "reason": item.reason,
                "proposed": {"value": item.proposed_value, "na": item.proposed_na},
                "original": {
                    "value": item.original_value,
                    "na": item.original_na,
                    "score": rounded(item.original_score, 4),
                },
                "decision": item.decision or None,
            }
            for item in dispute.items.all()
        ],
        "comment": dispute.comment,
        "opened_at": dt_representation(dispute.opened_at),
        "decided_at": dt_representation(dispute.decided_at),
        "decision_comment": dispute.decision_comment,
        "created_by_role": dispute.created_by_role,
        "updated_at": dt_representation(dispute.updated_at),
    }
