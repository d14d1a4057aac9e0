"""Webhook events of corrective actions, built from the models (never from a serializer)."""

import datetime as dt

from accounts.models import Organization
from core.events import EventType, event_publish

from .models import Action
from .rendering import action_representation


def action_event_publish(action: Action, type: EventType, *, now: dt.datetime) -> None:
    """Record ``action.*`` in the caller's transaction: the action as an API key reads it."""
    # Only the organization's id is needed for the outbox row: no query for the organization.
    event_publish(
        organization=Organization(pk=action.organization_id),
        type=type,
        data=action_representation(action, now=now),
    )
