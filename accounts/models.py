"""Organizations, people and their roles, the places they audit, and integrators' API keys.

Every domain row belongs to one ``Organization``. A user has exactly one role; managers are
scoped to regions and staff to locations.
"""

import zoneinfo
from collections.abc import Collection
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models

from core.roles import Role

from .notification_kinds import effective_settings, wants
from .usernames import normalize_username, username_key

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


class UserQuerySet(models.QuerySet["User"]):
    def bulk_create(self, objs, *args, **kwargs):  # QuerySet's arguments, passed through
        objs = list(objs)
        for obj in objs:
            obj.username_key = username_key(obj.username)
        return super().bulk_create(objs, *args, **kwargs)


if TYPE_CHECKING:
    _UserManagerBase = DjangoUserManager["User"]
else:  # the stubs' generics do not exist at run time
    _UserManagerBase = DjangoUserManager


class UserManager(_UserManagerBase):
    """Django's, on ``UserQuerySet`` (so ``bulk_create`` sets ``username_key`` too)."""

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def get_by_natural_key(self, username: str | None) -> "User":
        """Log-in (API, admin site) and ``createsuperuser`` find people by the normalized name."""
        return self.get(username_key=username_key(username))


# Saving a change to one of these ends every token the person holds (``token_generation`` + 1).
_TOKEN_STATE = ("password", "is_active", "role", "organization_id")


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AUDITOR)
    display_name = models.CharField(max_length=200, blank=True)
    regions = models.ManyToManyField("accounts.Region", blank=True, related_name="managers")
    locations = models.ManyToManyField("accounts.Location", blank=True, related_name="staff")
    pseudonymised_at = models.DateTimeField(null=True, blank=True)
    # NFKC + casefold + Turkish-i folding of ``username`` (accounts.usernames), set on every save:
    # the unique index that makes "one person per name" hold in the database.
    username_key = models.CharField(max_length=450, unique=True, editable=False)
    # Carried in every JWT as ``gen``; a token of another generation is refused (accounts.authentication).
    token_generation = models.PositiveIntegerField(default=0, editable=False)
    # The notification kinds this person switched on or off (``{kind: bool}``, only those changed):
    # ``accounts.notification_kinds`` gives every other kind its role's default.
    notification_settings = models.JSONField(default=dict, blank=True)

    # ``core.principal.Principal``, for a person: not a key, no key scopes (the role decides).
    is_api_key: ClassVar[Literal[False]] = False
    can_write: ClassVar[Literal[False]] = False
    api_key_id: ClassVar[None] = None

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(username_key=""), name="user_username_key_set"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def user_or_none(self) -> "User":
        """The person behind the caller: this user (an API key has none)."""
        return self

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ADMIN

    def notification_preferences(self) -> dict[str, bool]:
        """Every notification kind, on or off for this person (their choices over their role's defaults)."""
        return effective_settings(self.role, self.notification_settings)

    def wants_notification(self, kind: str) -> bool:
        return wants(self.role, self.notification_settings, kind)

    @classmethod
    def normalize_username(cls, username):
        return normalize_username(username) if isinstance(username, str) else username

    # --- keeping username_key and token_generation in step, on every save ------------------------

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._remember_token_state()
        return instance

    def _remember_token_state(self) -> None:
        self._token_state = {name: self.__dict__[name] for name in _TOKEN_STATE if name in self.__dict__}

    def _ends_tokens(self, update_fields: set[str] | None) -> bool:
        """Whether this save changes the password, deactivates, or moves role or organization."""
        names = [
            name
            for name in _TOKEN_STATE
            if update_fields is None or name in update_fields or name.removesuffix("_id") in update_fields
        ]
        before = dict(getattr(self, "_token_state", {}))
        missing = [name for name in names if name not in before]
        if missing:
            row = type(self)._base_manager.filter(pk=self.pk).values(*missing).first()
            if row is None:
                return False
            before.update(row)
        now = {name: getattr(self, name) for name in names}
        return (
            ("password" in now and before["password"] != now["password"] and bool(before["password"]))
            or ("is_active" in now and before["is_active"] and not now["is_active"])
            or ("role" in now and before["role"] != now["role"])
            or ("organization_id" in now and before["organization_id"] != now["organization_id"])
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        fields = None if update_fields is None else set(update_fields)
        if fields is None or "username" in fields:
            self.username_key = username_key(self.username)
            if fields is not None:
                fields.add("username_key")
        bump = not self._state.adding and self.pk is not None and self._ends_tokens(fields)
        if bump:
            self.token_generation = models.F("token_generation") + 1
            if fields is not None:
                fields.add("token_generation")
        if fields is not None:
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)
        if bump:
            self.refresh_from_db(fields=["token_generation"])
        self._remember_token_state()


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
        # The job board's bounding box (fieldwork.selectors.job_board).
        indexes = [
            models.Index(fields=["organization", "latitude", "longitude"], name="location_org_lat_lon")
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
