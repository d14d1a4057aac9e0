"""Webhook events of disputes, built from the models (never from a serializer)."""

from typing import Any

from accounts.models import Organization
from core.events import EventType, event_publish

from .models import Dispute
from .rendering import dispute_representation


def dispute_opened_publish(dispute: Dispute) -> None:
    # Only the organization's id is needed for the outbox row: no query for the organization.
    event_publish(
        organization=Organization(pk=dispute.organization_id),
        type=EventType.DISPUTE_OPENED,
        data=dispute_representation(dispute),
    )


def dispute_decided_publish(dispute: Dispute, *, rescored: dict[str, Any] | None) -> None:
    event_publish(
        organization=Organization(pk=dispute.organization_id),
        type=EventType.DISPUTE_DECIDED,
        data={**dispute_representation(dispute), "rescored": rescored},
    )
