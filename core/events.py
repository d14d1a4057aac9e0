"""Domain events: apps announce what changed; the webhook outbox records it.

An app that makes a change (a visit submitted, a photo added) calls ``event_publish`` inside the
transaction of that change. It does not know who listens: ``webhooks`` sits above the apps that
publish, so it subscribes (``WebhooksConfig.ready``) rather than being imported by them. Receivers
run synchronously, in the caller's transaction, so an event commits or rolls back with its change.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.dispatch import Signal


class EventType(models.TextChoices):
    VISIT_SUBMITTED = "visit.submitted", "visit.submitted"
    VISIT_REVISED = "visit.revised", "visit.revised"
    VISIT_REVIEWED = "visit.reviewed", "visit.reviewed"
    PHOTO_ADDED = "photo.added", "photo.added"
    DISPUTE_OPENED = "dispute.opened", "dispute.opened"
    DISPUTE_DECIDED = "dispute.decided", "dispute.decided"
    ACTION_CREATED = "action.created", "action.created"
    ACTION_UPDATED = "action.updated", "action.updated"
    ACTION_RESOLVED = "action.resolved", "action.resolved"
    ACTION_VERIFIED = "action.verified", "action.verified"
    ACTION_REOPENED = "action.reopened", "action.reopened"
    ACTION_CANCELLED = "action.cancelled", "action.cancelled"
    JOB_CLAIMED = "job.claimed", "job.claimed"
    PAYOUT_CREATED = "payout.created", "payout.created"


#: Sent with ``organization``, ``type`` (an ``EventType`` value) and ``data`` (a JSON-ready dict).
domain_event = Signal()


def event_publish(*, organization: models.Model, type: str, data: dict[str, Any]) -> None:
    """Announce a change to whoever records events; call it inside the change's transaction.

    Refuses to run with nobody listening: an event nobody records would be lost silently.
    """
    if not domain_event.has_listeners():
        raise ImproperlyConfigured("No receiver records domain events: is 'webhooks' in INSTALLED_APPS?")
    domain_event.send(sender=EventType, organization=organization, type=type, data=data)
