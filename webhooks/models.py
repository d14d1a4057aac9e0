"""The transactional outbox of domain events, and the endpoints they are delivered to."""

import uuid

from django.db import models


class EventType(models.TextChoices):
    VISIT_SUBMITTED = "visit.submitted", "visit.submitted"
    VISIT_REVISED = "visit.revised", "visit.revised"
    VISIT_REVIEWED = "visit.reviewed", "visit.reviewed"
    PHOTO_ADDED = "photo.added", "photo.added"


class Event(models.Model):
    """One domain event, written in the same transaction as the change it reports."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=EventType.choices)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
