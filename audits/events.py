"""Webhook events of the audit loop, built from the models (never from a serializer).

A visit event's ``data`` is the visit as an API key reads it: no auditor identity.
"""

from typing import Any

from accounts.models import Organization
from core.events import EventType, event_publish

from .models import Visit
from .rendering import visit_representation


def visit_event_data(visit: Visit) -> dict[str, Any]:
    """The ``data`` of a visit event: the visit as an API key reads it."""
    return visit_representation(visit, show_auditor=False)


def visit_event_publish(visit: Visit, type: EventType) -> None:
    """Record ``visit.submitted``/``revised``/``reviewed`` in the caller's transaction."""
    # Only the organization's id is needed for the outbox row: no query for the organization.
    event_publish(
        organization=Organization(pk=visit.organization_id), type=type, data=visit_event_data(visit)
    )
