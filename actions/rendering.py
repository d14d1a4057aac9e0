"""A corrective action as the API renders it, as a plain dict built straight from the model.

One rendering for every reader (``ActionSerializer`` declares the fields for the schema) and for
webhook events (``actions.events``). It never names the visit's auditor: an action belongs to the
location that must act, and its readers include the location's staff.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from core.rendering import dt_representation

if TYPE_CHECKING:
    from .models import Action, ActionHistory

MAX_TEXT = 2000


def action_representation(action: Action, *, now: dt.datetime) -> dict[str, Any]:
    """``overdue`` comes from the list's SQL annotation when the row has it, else from the same rule."""
    overdue = getattr(action, "is_overdue", None)
    if overdue is None:
        overdue = action.overdue_at_moment(now)
    return {
        "id": str(action.pk),
        "location": action.location_id,
        "visit": str(action.visit_id) if action.visit_id else None,
        "item": action.item_key or None,
        "source": action.source,
        "title": action.title,
        "description": action.description,
        "status": action.status,
        "due_date": action.due_date.isoformat(),
        "overdue": bool(overdue),
        "created_at": dt_representation(action.created_at),
        "resolved_at": dt_representation(action.resolved_at),
        "resolution": action.resolution,
        "verified_at": dt_representation(action.verified_at),
        "updated_at": dt_representation(action.updated_at),
    }


def history_representation(entry: ActionHistory) -> dict[str, Any]:
    actor = None
    user = entry.actor if entry.actor_id is not None else None
    if user is not None:
        actor = {"id": user.pk, "display_name": user.display_name or user.username}
    return {
        "at": dt_representation(entry.at),
        "step": entry.step,
        "actor": actor,
        "actor_role": entry.actor_role or None,
        "comment": entry.comment,
        "changes": entry.changes,
    }
