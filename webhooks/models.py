"""The transactional outbox of domain events, and the endpoints they are delivered to."""

import uuid

from django.db import models

from core.events import EventType

__all__ = ["Delivery", "DeliveryAttempt", "DeliveryStatus", "Event", "EventType", "Webhook"]


class Event(models.Model):
    """One domain event, written in the same transaction as the change it reports."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=EventType.choices)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]


class Webhook(models.Model):
    """An organization's endpoint and the event types it subscribes to.

    ``secret`` signs every delivery, so it is kept (not hashed) and never shown back after the
    response that created or rotated it. ``failing_since`` marks the first failed attempt since
    the last success; after ``WEBHOOK_DISABLE_AFTER`` of failures the endpoint is switched off
    with a ``disabled_reason`` the admin can read.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=128)
    is_active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in (self.events or [])


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    SUCCEEDED = "succeeded", "succeeded"
    FAILED = "failed", "failed"


class Delivery(models.Model):
    """One event owed to one endpoint: created with the event, in the same transaction.

    ``next_attempt_at`` is when the next attempt is due (None once finished, or while the endpoint
    is disabled). A worker claims an attempt with a conditional UPDATE that sets ``locked_until``
    and a fresh ``claim_token``, so two workers holding the same task never both send it.
    """

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    # Failed attempts in the current round of the retry schedule (a manual redelivery resets it).
    schedule_step = models.PositiveSmallIntegerField(default=0)
    # The current round was asked for by hand (redeliver); its attempts are marked manual.
    manual = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    swept_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event"], name="delivery_once_per_endpoint")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.webhook_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One POST to the endpoint, kept for the admin: when, what came back, how long, what next."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    manual = models.BooleanField(default=False)
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")
    next_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
