"""Calibrations: several auditors sent to the same location with the same checklist version, so that
their ratings can be compared (``calibrations.agreement``). Each auditor gets an ordinary assignment."""

import uuid

from django.conf import settings
from django.db import models


class Calibration(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="calibrations"
    )
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="calibrations")
    checklist = models.ForeignKey(
        "checklists.Checklist", on_delete=models.PROTECT, related_name="calibrations"
    )
    checklist_version = models.ForeignKey(
        "checklists.ChecklistVersion", on_delete=models.PROTECT, related_name="calibrations"
    )
    due_from = models.DateTimeField()
    due_until = models.DateTimeField()
    assignments = models.ManyToManyField("audits.Assignment", related_name="calibrations")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Idempotency: the canonical hash of the accepted body (``services.calibration_create``).
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "due_from"], name="calibration_org_due")]
