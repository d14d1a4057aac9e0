"""Writes for webhooks: the transactional outbox, endpoint management and delivery attempts.

The outbox: ``event_record`` writes the event and one ``Delivery`` per subscribed, active
endpoint inside the caller's transaction, and enqueues the delivery tasks only once that
transaction commits. If the process dies between commit and enqueue (or the enqueue fails), the
rows are still there and ``deliveries_sweep`` re-enqueues them: nothing committed is lost.

Attempts are at-least-once: a worker claims an attempt with a conditional UPDATE (so two workers
holding the same task never both send it), sends it outside any transaction (a slow receiver
must not hold database locks), then records the outcome and schedules the retry.
"""

from __future__ import annotations

import logging
import secrets as secrets_module
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organization, User
from core.exceptions import DomainConflict

from . import transport
from .models import Delivery, DeliveryAttempt, DeliveryStatus, Event, EventType, Webhook
from .netguard import UnsafeURL, check_url
from .signing import event_body, signed_headers

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
SWEEP_BATCH = 500


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
            transaction.on_commit(lambda: _after_commit(delivery_ids))
    return event


def _after_commit(delivery_ids: list[int]) -> None:
    """Enqueue the first attempt of each delivery; a failure here is repaired by the sweep."""
    for delivery_id in delivery_ids:
        delivery_enqueue(delivery_id=delivery_id)


def delivery_enqueue(*, delivery_id: int, run_after: datetime | None = None) -> bool:
    """Put a delivery attempt on the task queue; never raises (the sweep is the safety net)."""
    from .tasks import deliver

    try:
        task = deliver
        if run_after is not None and run_after > timezone.now():
            if not task.get_backend().supports_defer:
                return False  # This backend cannot wait; the sweep enqueues it once it is due.
            task = task.using(run_after=run_after)
        task.enqueue(delivery_id)
        return True
    except Exception:
        logger.exception("Could not enqueue webhook delivery %s; the sweep will retry it.", delivery_id)
        return False


@transaction.atomic
def deliveries_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Re-enqueue pending deliveries that are overdue: their task was lost or their worker died.

    "Overdue" means due for longer than one sweep interval, with no live claim; each delivery is
    re-enqueued at most once per interval so a long queue is not flooded with duplicates (which
    would be harmless anyway: a duplicate task finds nothing to claim).
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.WEBHOOK_SWEEP_INTERVAL_SECONDS)
    overdue = list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now - grace,
            webhook__is_active=True,
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .filter(Q(swept_at__isnull=True) | Q(swept_at__lte=now - grace))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if overdue:
        Delivery.objects.filter(pk__in=overdue).update(swept_at=now)
        transaction.on_commit(lambda: _after_commit(overdue))
    return len(overdue)


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
        transaction.on_commit(lambda: _after_commit(resumed))
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


# --- Attempts -----------------------------------------------------------------------------------


def delivery_attempt(*, delivery_id: int) -> str:
    """Make the attempt that is due for a delivery, if nobody else is making it; returns the outcome.

    Deliberately not one transaction: the claim commits before the POST so no lock is held while a
    receiver takes its time, and the outcome is recorded in a second short transaction.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(
            locked_until=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
            claim_token=token,
            attempt_count=F("attempt_count") + 1,
        )
    )
    if not claimed:
        return "not_due"
    delivery = Delivery.objects.select_related("webhook", "event").filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"  # The endpoint was deleted just now.
    webhook, event = delivery.webhook, delivery.event
    if not webhook.is_active:
        # Park it: re-enabling the endpoint resumes parked deliveries.
        Delivery.objects.filter(pk=delivery_id, claim_token=token).update(
            next_attempt_at=None, locked_until=None, claim_token=None, attempt_count=F("attempt_count") - 1
        )
        return "parked"

    body = event_body(event_id=str(event.pk), type=event.type, created_at=event.created_at, data=event.data)
    headers = signed_headers(
        secret=webhook.secret, event_id=str(event.pk), raw_body=body, timestamp=int(time.time())
    )
    started_at = timezone.now()
    result = transport.post(
        webhook.url,
        body=body,
        headers=headers,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        allow_private=settings.WEBHOOK_ALLOW_PRIVATE_HOSTS,
    )
    return _attempt_record(delivery_id=delivery_id, token=token, started_at=started_at, result=result)


@transaction.atomic
def _attempt_record(
    *, delivery_id: int, token: uuid.UUID, started_at: datetime, result: transport.PostResult
) -> str:
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id, claim_token=token).first()
    if delivery is None:
        return "stale"  # Deleted meanwhile, or our lease ran out and another worker took over.
    now = timezone.now()
    next_retry: datetime | None = None
    outcome = "delivered"
    if result.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        Webhook.objects.filter(pk=delivery.webhook_id, failing_since__isnull=False).update(failing_since=None)
    else:
        delays = settings.WEBHOOK_RETRY_DELAYS
        if delivery.schedule_step < len(delays):
            next_retry = now + timedelta(seconds=delays[delivery.schedule_step])
            delivery.schedule_step += 1
            delivery.next_attempt_at = next_retry
            outcome = "retry_scheduled"
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            outcome = "gave_up"
        if _endpoint_failure_record(webhook_id=delivery.webhook_id, at=started_at, error=result.error):
            if delivery.status == DeliveryStatus.PENDING:
                delivery.next_attempt_at = next_retry = None
                outcome = "endpoint_disabled"
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempt_count,
        manual=delivery.manual,
        at=started_at,
        status_code=result.status_code,
        duration_ms=result.duration_ms,
        error=result.error,
        next_retry_at=next_retry,
    )
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error
    delivery.locked_until = None
    delivery.claim_token = None
    delivery.save()
    if next_retry is not None:
        transaction.on_commit(lambda: delivery_enqueue(delivery_id=delivery_id, run_after=next_retry))
    return outcome


def _endpoint_failure_record(*, webhook_id: int, at: datetime, error: str) -> bool:
    """Note a failed attempt on the endpoint; disable it after failing for too long. True if disabled now."""
    Webhook.objects.filter(pk=webhook_id, failing_since__isnull=True).update(failing_since=at)
    limit = settings.WEBHOOK_DISABLE_AFTER
    now = timezone.now()
    failing_since = Webhook.objects.filter(pk=webhook_id).values_list("failing_since", flat=True).first()
    if failing_since is None or now - failing_since < limit:
        return False
    days = limit.total_seconds() / 86400
    reason = (
        f"Disabled automatically: every delivery attempt failed for {days:g} days "
        f"(since {failing_since.isoformat()}). Last error: {error or 'unknown'}"
    )[:500]
    disabled = Webhook.objects.filter(pk=webhook_id, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason, updated_at=now
    )
    if disabled:
        # Park what is still owed: re-enabling the endpoint resumes it.
        Delivery.objects.filter(webhook_id=webhook_id, status=DeliveryStatus.PENDING).update(
            next_attempt_at=None
        )
    return bool(disabled)
