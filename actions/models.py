"""Corrective actions: every failure becomes a task with an owner (the location), a due date and proof.

An ``Action`` is made by an approval (one per failed critical item, ``critical_failure``, and one
when the score is below the pass threshold, ``low_score``: at most one of each per visit and item,
a unique constraint) or by a manager (``manual``, its UUID made by the phone or tool, so a resent
body is recognised). Its life: ``open`` → ``resolved`` (the location's staff, with a resolution and
evidence photos) → ``verified`` by a manager or admin, or ``reopened`` back to ``open``; an upheld
dispute that removes the failure makes it ``cancelled``. Every step is an ``ActionHistory`` row.

``overdue_at`` is the instant the action falls overdue: the start of the day after ``due_date`` in
the location's time zone, stored when the due date (or the location's time zone) is set. "Overdue"
is then a plain indexed comparison in SQL (``status = 'open' AND overdue_at <= now``), the same on
every database, filterable and countable without a Python loop.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models


class ActionSource(models.TextChoices):
    CRITICAL_FAILURE = "critical_failure", "Critical failure"
    LOW_SCORE = "low_score", "Low score"
    MANUAL = "manual", "Manual"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    VERIFIED = "verified", "Verified"
    CANCELLED = "cancelled", "Cancelled"


class ActionStep(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    RESOLVED = "resolved", "Resolved"
    VERIFIED = "verified", "Verified"
    REOPENED = "reopened", "Reopened"
    CANCELLED = "cancelled", "Cancelled"


AUTOMATIC_SOURCES = (ActionSource.CRITICAL_FAILURE, ActionSource.LOW_SCORE)


class Action(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="actions"
    )
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="actions")
    visit = models.ForeignKey(
        "audits.Visit", on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    item_key = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=20, choices=ActionSource.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    due_date = models.DateField()
    overdue_at = models.DateTimeField(
        help_text="Start of the day after due_date in the location's time zone."
    )
    # The day the action counts in reports: its visit's local date, else its creation's local date.
    local_date = models.DateField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Idempotency of manual actions: the hash of the canonical JSON body that created it.
    request_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "source", "item_key"],
                condition=models.Q(source__in=["critical_failure", "low_score"]),
                name="action_once_per_visit_failure",
            )
        ]
        indexes = [
            # The overdue filter and count: open actions whose moment has passed.
            models.Index(
                fields=["organization", "overdue_at"],
                condition=models.Q(status="open"),
                name="action_open_overdue_at",
            ),
            models.Index(fields=["organization", "location", "local_date"], name="action_org_loc_date"),
            models.Index(fields=["organization", "updated_at", "id"], name="action_org_updated"),
            models.Index(fields=["location", "item_key", "status"], name="action_loc_item_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"

    # The one rule for "overdue", as SQL (lists, filters, counts) and for a row in hand (a write's answer).

    @staticmethod
    def overdue_q(now: dt.datetime, prefix: str = "") -> models.Q:
        """Open and past the end of its due date in the location's time zone."""
        return models.Q(**{f"{prefix}status": ActionStatus.OPEN, f"{prefix}overdue_at__lte": now})

    def overdue_at_moment(self, now: dt.datetime) -> bool:
        return self.status == ActionStatus.OPEN and self.overdue_at <= now


class ActionHistory(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    step = models.CharField(max_length=12, choices=ActionStep.choices)
    comment = models.TextField(blank=True)
    changes = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["action", "at"], name="action_history_at")]

    def __str__(self) -> str:
        return f"{self.step} at {self.at:%Y-%m-%d %H:%M}"
