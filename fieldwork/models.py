"""Fieldwork: auditors' profiles and qualifications, claims of jobs from the board, and payouts.

A job is an ``audits.Assignment`` with ``is_job`` set, on the board while it has no auditor. The
``JobClaim`` rows are the claims made (and released): they count toward the daily claim cap and say
who may release a job. A ``Payout`` is made once per approved visit of a paid assignment.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

#: The rating of an auditor with no decided visit yet: (3 x 5) / 3.
DEFAULT_RATING = Decimal("5.0")
DEFAULT_TRAVEL_RADIUS_KM = 25


class AuditorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="auditor_profile"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="auditor_profiles"
    )
    home_latitude = models.FloatField(null=True, blank=True)
    home_longitude = models.FloatField(null=True, blank=True)
    travel_radius_km = models.PositiveIntegerField(default=DEFAULT_TRAVEL_RADIUS_KM)
    # Kept current on every decision and upheld dispute (``fieldwork.services.rating_refresh``).
    rating = models.DecimalField(max_digits=3, decimal_places=1, default=DEFAULT_RATING)
    decided_visits = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class AuditorQualification(models.Model):
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    qualification = models.ForeignKey(
        "checklists.Qualification", on_delete=models.CASCADE, related_name="holders"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["qualification__code"]
        constraints = [
            models.UniqueConstraint(fields=["auditor", "qualification"], name="uniq_auditor_qualification")
        ]


class JobClaim(models.Model):
    assignment = models.ForeignKey("audits.Assignment", on_delete=models.CASCADE, related_name="claims")
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        indexes = [models.Index(fields=["auditor", "claimed_at"], name="job_claim_auditor_at")]


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"


class Payout(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="payouts"
    )
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    visit = models.OneToOneField("audits.Visit", on_delete=models.PROTECT, related_name="payout")
    fee = models.DecimalField(max_digits=12, decimal_places=2)
    expenses = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=13, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=8, choices=PayoutStatus.choices, default=PayoutStatus.PENDING)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization", "status", "id"], name="payout_org_status")]
