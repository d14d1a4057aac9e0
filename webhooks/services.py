"""Writes for webhooks: recording events in the caller's transaction."""

from django.db import transaction

from .models import Event


def event_record(*, organization, type: str, data: dict) -> Event:
    """Record a domain event inside the current transaction (the outbox).

    Call it from the service that makes the change, inside its ``transaction.atomic`` block:
    the event commits or rolls back with the change.
    """
    event = Event.objects.create(organization=organization, type=type, data=data)
    transaction.on_commit(lambda: _after_commit(event.pk))
    return event


def _after_commit(event_id) -> None:
    """Fan the event out to subscribed endpoints (implemented with the delivery worker)."""
