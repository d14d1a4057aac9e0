"""Delivering the outbox: enqueueing attempts, making them, recording outcomes, the sweep.

``webhooks.tasks`` runs this module's functions on workers; this module puts work on the queue
by the task's name (``DELIVER_TASK``), as a producer talks to a broker, so the two modules do not
import each other. ``webhooks.services`` (the outbox and endpoint management) enqueues through
``delivery_enqueue`` too.

Attempts are at-least-once: a worker claims an attempt with a conditional UPDATE (so two workers
holding the same task never both send it), sends it outside any transaction (a slow receiver
must not hold database locks), then records the outcome and schedules the retry.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from . import transport

if TYPE_CHECKING:
    from django_tasks.base import Task
from .models import Delivery, DeliveryAttempt, DeliveryStatus, Webhook
from .signing import event_body, signed_headers

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
#: The task that makes one attempt; queued rows name it, so it keeps this path.
DELIVER_TASK = "webhooks.tasks.deliver"


def _deliver_task() -> Task[[int], str]:
    """The ``deliver`` task, looked up by its queue name (``webhooks.tasks`` imports this module)."""
    deliver: Task[[int], str] = import_string(DELIVER_TASK)
    return deliver


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    """Enqueue the first attempt of each delivery; a failure here is repaired by the sweep."""
    for delivery_id in delivery_ids:
        delivery_enqueue(delivery_id=delivery_id)


def delivery_enqueue(*, delivery_id: int, run_after: datetime | None = None) -> bool:
    """Put a delivery attempt on the task queue; never raises (the sweep is the safety net)."""
    try:
        task = _deliver_task()
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
        transaction.on_commit(lambda: deliveries_enqueue(overdue))
    return len(overdue)


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
