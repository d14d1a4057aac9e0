"""Photo evidence attached to a visit, stored as upright, metadata-free JPEG derivatives.

A photo with a ``dispute`` is that dispute's evidence (sent by the location's side): it belongs to
the disputed visit for storage, links and retention, but is never listed or counted as the visit's own.
A photo with an ``action`` is a corrective action's evidence (proof of the fix): it belongs to the
action's visit when it has one, and to no visit for a manual action without one.
"""

import uuid

from django.db import models


class Photo(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="photos")
    visit = models.ForeignKey(
        "audits.Visit", on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    action = models.ForeignKey(
        "actions.Action", on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    item_key = models.CharField(max_length=100, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_at = models.DateTimeField(null=True, blank=True)
    image = models.CharField(max_length=300, help_text="Storage name of the display-size image.")
    thumbnail = models.CharField(max_length=300, help_text="Storage name of the thumbnail.")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the uploaded bytes.")
    phash = models.BigIntegerField(help_text="64-bit difference hash (signed) for reuse detection.")
    phash_band0 = models.PositiveIntegerField(default=0)
    phash_band1 = models.PositiveIntegerField(default=0)
    phash_band2 = models.PositiveIntegerField(default=0)
    phash_band3 = models.PositiveIntegerField(default=0)
    reused = models.BooleanField(default=False)
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "phash_band0"], name="photo_band0"),
            models.Index(fields=["organization", "phash_band1"], name="photo_band1"),
            models.Index(fields=["organization", "phash_band2"], name="photo_band2"),
            models.Index(fields=["organization", "phash_band3"], name="photo_band3"),
            models.Index(fields=["visit", "item_key"], name="photo_visit_item"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visit__isnull=False) | models.Q(action__isnull=False),
                name="photo_of_visit_or_action",
            ),
            models.CheckConstraint(
                condition=models.Q(dispute__isnull=True) | models.Q(action__isnull=True),
                name="photo_evidence_of_one",
            ),
        ]
