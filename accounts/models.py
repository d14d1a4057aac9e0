"""Organizations, people and their roles, the places they audit, and integrators' API keys.

Every domain row belongs to one ``Organization``. A user has exactly one role; managers are
scoped to regions and staff to locations.
"""

import zoneinfo
from functools import lru_cache
from typing import ClassVar, Literal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from core.roles import Role

__all__ = ["ApiKey", "Location", "Organization", "Region", "Role", "User"]


class Organization(models.Model):
    """The audited brand, and the settings every later feature reads (``organization_settings``)."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Settings (``GET/PATCH /api/v1/organization/``); ranges are checked by ``accounts.settings``.
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="IANA time zone for people who have no location."
    )
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code.")
    dispute_window_days = models.PositiveSmallIntegerField(default=14)
    action_due_days = models.PositiveSmallIntegerField(default=14)
    lockout_days = models.PositiveSmallIntegerField(default=90)
    daily_claim_cap = models.PositiveSmallIntegerField(default=3)
    default_language = models.CharField(max_length=35, default="en", help_text="A language tag (BCP 47).")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AUDITOR)
    display_name = models.CharField(max_length=200, blank=True)
    regions = models.ManyToManyField("accounts.Region", blank=True, related_name="managers")
    locations = models.ManyToManyField("accounts.Location", blank=True, related_name="staff")
    pseudonymised_at = models.DateTimeField(null=True, blank=True)

    # ``core.principal.Principal``, for a person: not a key, no key scopes (the role decides).
    is_api_key: ClassVar[Literal[False]] = False
    can_write: ClassVar[Literal[False]] = False
    api_key_id: ClassVar[None] = None

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name or self.username

    def user_or_none(self) -> "User":
        """The person behind the caller: this user (an API key has none)."""
        return self

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ADMIN


@lru_cache(maxsize=1)
def iana_time_zones() -> frozenset[str]:
    """The IANA names: exact spelling, no file paths; the host's ``localtime`` link and tzdata's
    placeholders are no place's time zone."""
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "posixrules", "Factory"}


def validate_timezone(value: str) -> None:
    if value not in iana_time_zones():
        raise ValidationError(f"'{value}' is not an IANA time zone name.", code="invalid_timezone")


class Region(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="regions")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_region_code_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="locations")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=500, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    phone = models.CharField(max_length=50, blank=True)
    website = models.URLField(blank=True)
    geofence_m = models.PositiveIntegerField(default=500)

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_location_code_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ApiKey(models.Model):
    """An integrator's key. Only a SHA-256 digest is stored; the key is shown once, on creation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, unique=True)
    hashed_key = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return "write" in (self.scopes or [])
