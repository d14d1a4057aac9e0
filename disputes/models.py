"""Disputes: a location challenges items of a mystery visit's score, with evidence, and a decision.

A ``Dispute`` is made by the phone or tool that opens it (its UUID is the primary key, so a resent
body is recognised). Its ``DisputeItem`` rows name the disputed items with the answer proposed
instead; an item is disputed at most once per visit (a unique constraint, whatever the dispute's
outcome), and a visit has at most one open dispute (a partial unique constraint). Who opened it is
kept for fairness checks (nobody decides their own dispute) but only ``created_by_role`` is ever shown.
"""

import uuid

from django.conf import settings
from django.db import models


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    PARTIALLY_UPHELD = "partially_upheld", "Partially upheld"
    REJECTED = "rejected", "Rejected"


class ItemDecision(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    REJECTED = "rejected", "Rejected"


UPHELD_STATUSES = (DisputeStatus.UPHELD, DisputeStatus.PARTIALLY_UPHELD)


class Dispute(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="disputes"
    )
    visit = models.ForeignKey("audits.Visit", on_delete=models.CASCADE, related_name="disputes")
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="disputes")
    status = models.CharField(max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    comment = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    # Who opened and who decided: never rendered (the auditor must not learn who challenged them).
    created_by_role = models.CharField(max_length=16)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Idempotency: the hash of the canonical JSON body that opened it.
    request_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"], condition=models.Q(status="open"), name="one_open_dispute_per_visit"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "opened_at"], name="dispute_org_opened"),
            models.Index(fields=["location", "status"], name="dispute_location_status"),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk} ({self.status})"

    @property
    def item_keys(self) -> list[str]:
        return [item.item_key for item in self.items.all()]


class DisputeItem(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="items")
    visit = models.ForeignKey("audits.Visit", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    item_key = models.CharField(max_length=100)
    reason = models.TextField()
    proposed_value = models.JSONField(null=True, blank=True)
    proposed_na = models.BooleanField(default=False)
    # The answer as it stood when the dispute was opened.
    original_value = models.JSONField(null=True, blank=True)
    original_na = models.BooleanField(default=False)
    original_score = models.FloatField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=ItemDecision.choices, blank=True)

    class Meta:
        ordering = ["dispute_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item_key"], name="item_disputed_once_per_visit")
        ]
