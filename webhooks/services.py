"""Writes for webhooks: the transactional outbox and endpoint management.

The outbox: ``event_record`` writes the event and one ``Delivery`` per subscribed, active
endpoint inside the caller's transaction, and enqueues the delivery tasks only once that
transaction commits. If the process dies between commit and enqueue (or the enqueue fails), the
rows are still there and ``deliveries_sweep`` re-enqueues them: nothing committed is lost.
Apps do not call ``event_record`` directly: they publish ``core.events.domain_event``, which
``WebhooksConfig.ready`` connects to ``domain_event_record``. Attempts live in ``webhooks.delivery``.
"""

from __future__ import annotations

import secrets as secrets_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from core.exceptions import DomainConflict

from .delivery import deliveries_enqueue, delivery_enqueue
from .models import Delivery, DeliveryStatus, Event, EventType, Webhook
from .netguard import UnsafeURL, check_url

SECRET_PREFIX = "whsec_"


# --- The outbox ---------------------------------------------------------------------------------


def event_record(*, organization: Organization, type: str, data: dict[str, Any]) -> Event:
    """Record a domain event inside the current transaction (the outbox).

    Call it from the service that makes the change, inside its ``transaction.atomic`` block:
    the event and its deliveries commit or roll back with the change. Costs two queries when no
    endpoint subscribes, three when some do.
    """
    with transaction.atomic(savepoint=False):
        event = Event.objects.create(organization=organization, type=type, data=data)
        endpoints = [
            webhook
            for webhook in Webhook.objects.filter(organization=organization, is_active=True).only(
                "id", "events"
            )
            if webhook.subscribes_to(type)
        ]
        if endpoints:
            deliveries = Delivery.objects.bulk_create(
                [
                    Delivery(webhook=webhook, event=event, next_attempt_at=event.created_at)
                    for webhook in endpoints
                ]
            )
            delivery_ids = [delivery.pk for delivery in deliveries]
            transaction.on_commit(lambda: deliveries_enqueue(delivery_ids))
    return event


def domain_event_record(
    sender: object, *, organization: Organization, type: str, data: dict[str, Any], **kwargs: object
) -> None:
    """Receiver of ``core.events.domain_event``: every published event goes to the outbox."""
    event_record(organization=organization, type=type, data=data)


# --- Endpoints ----------------------------------------------------------------------------------


def _checked_url(url: str) -> str:
    """Refuse a URL whose host is, or resolves to, an address webhooks may not reach.

    A name that does not resolve yet is accepted (its DNS may be set up after registration):
    nothing can be sent to it until it resolves, and then every attempt checks what it resolves to.
    """
    try:
        check_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_HOSTS)
    except UnsafeURL as exc:
        if exc.code != "unresolvable_host":
            raise ValidationError({"url": ValidationError(str(exc), code=exc.code)})
    return url.strip()


def _checked_events(events: list[str]) -> list[str]:
    unknown = [name for name in events if name not in EventType.values]
    if unknown or not events:
        raise ValidationError(
            {
                "events": ValidationError(
                    f"Choose one or more of: {', '.join(EventType.values)}.", code="invalid"
                )
            }
        )
    return sorted(set(events))


def secret_generate() -> str:
    return SECRET_PREFIX + secrets_module.token_urlsafe(32)


@transaction.atomic
def webhook_create(
    *,
    organization: Organization,
    created_by: User | None = None,
    url: str,
    events: list[str],
    secret: str | None = None,
) -> tuple[Webhook, str]:
    """Register an endpoint; returns it with its secret, which is never shown again."""
    secret = secret or secret_generate()
    webhook = Webhook.objects.create(
        organization=organization,
        created_by=created_by,
        url=_checked_url(url),
        events=_checked_events(events),
        secret=secret,
    )
    return webhook, secret


@transaction.atomic
def webhook_update(
    *,
    webhook: Webhook,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> Webhook:
    """Change an endpoint. Re-enabling clears the failure record and resumes parked deliveries."""
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if url is not None:
        webhook.url = _checked_url(url)
    if events is not None:
        webhook.events = _checked_events(events)
    resumed: list[int] = []
    now = timezone.now()
    if is_active is True and not webhook.is_active:
        webhook.is_active = True
        webhook.failing_since = webhook.disabled_at = None
        webhook.disabled_reason = ""
        parked = Delivery.objects.filter(
            webhook=webhook, status=DeliveryStatus.PENDING, next_attempt_at__isnull=True
        )
        resumed = list(parked.values_list("pk", flat=True))
        parked.update(next_attempt_at=now, schedule_step=0)
    elif is_active is False and webhook.is_active:
        webhook.is_active = False
        webhook.disabled_at = now
        webhook.disabled_reason = "Disabled by an admin."
    webhook.save()
    if resumed:
        transaction.on_commit(lambda: deliveries_enqueue(resumed))
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, webhook: Webhook, secret: str | None = None) -> tuple[Webhook, str]:
    """Replace the signing secret at once; returns the new one, shown this once."""
    secret = secret or secret_generate()
    Webhook.objects.filter(pk=webhook.pk).update(secret=secret, updated_at=timezone.now())
    webhook.refresh_from_db()
    return webhook, secret


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    """Remove the endpoint with its delivery log; queued attempts for it become no-ops."""
    webhook.delete()


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send an event again now (by hand), with a fresh retry schedule, whatever its state."""
    delivery = Delivery.objects.select_for_update().select_related("webhook").get(pk=delivery.pk)
    now = timezone.now()
    if not delivery.webhook.is_active:
        raise DomainConflict("This endpoint is disabled; re-enable it first.", code="webhook_disabled")
    if delivery.locked_until and delivery.locked_until > now:
        raise DomainConflict("An attempt of this delivery is in progress.", code="delivery_in_progress")
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.schedule_step = 0
    delivery.manual = True
    delivery.swept_at = None
    delivery.save()
    delivery_id = delivery.pk
    transaction.on_commit(lambda: delivery_enqueue(delivery_id=delivery_id))
    return delivery
