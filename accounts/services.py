"""Writes for organizations, users, API keys, regions and locations.

Services know nothing of HTTP: they raise Django's ``ValidationError`` (keyed by the request
field, so the error's ``attr`` names it) or ``DomainConflict`` (409).
"""

import enum
import secrets
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Final, TypeVar

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import DomainConflict, RetentionError

from .authentication import hash_key
from .models import ApiKey, Location, Organization, Region, Role, User
from .notification_kinds import kinds_for_role
from .usernames import username_key, validate_new_username

API_KEY_SCOPES = ("read", "write")


class _Unset(enum.Enum):
    """ "Not given" for ``user_update``'s fields, where ``None`` and ``""`` are values too."""

    UNSET = enum.auto()


_UNSET: Final = _Unset.UNSET

# The rows a user is scoped to: managers to regions, staff to locations.
_ScopeRow = TypeVar("_ScopeRow", Region, Location)


# --- API keys -----------------------------------------------------------------------------------


@transaction.atomic
def api_key_create(
    *, organization: Organization, name: str, scopes: list[str], created_by: User | None
) -> tuple[ApiKey, str]:
    """Create a key and return ``(api_key, raw_key)``; the raw key is never stored or shown again.

    ``write`` implies ``read``: a key that may change things may also look at them.
    """
    wanted = set(scopes or ["read"])
    unknown = wanted - set(API_KEY_SCOPES)
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(sorted(unknown))}."})
    prefix = secrets.token_hex(4)
    raw = f"{prefix}.{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        prefix=prefix,
        hashed_key=hash_key(raw),
        scopes=sorted(wanted | {"read"}),
        created_by=created_by,
    )
    return api_key, raw


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke at once: authentication reads the row on every request, so the next call fails."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


# --- Users --------------------------------------------------------------------------------------


def _org_rows(
    model: type[_ScopeRow], organization: Organization | None, ids: Iterable[int], field: str
) -> list[_ScopeRow]:
    """The rows of ``model`` with these ids in the organization, or a 400 naming the bad ones."""
    wanted = list(dict.fromkeys(ids))
    rows = list(model.objects.filter(organization=organization, pk__in=wanted))
    missing = sorted(set(wanted) - {row.pk for row in rows})
    if missing:
        raise ValidationError(
            {field: ValidationError(f"Unknown id(s) in this organization: {missing}.", code="does_not_exist")}
        )
    return rows


def _check_scopes(
    *, role: str, region_ids: Collection[int] | None, location_ids: Collection[int] | None
) -> None:
    errors: dict[str, ValidationError] = {}
    if region_ids and role != Role.MANAGER:
        errors["region_ids"] = ValidationError("Only managers are scoped to regions.", code="not_allowed")
    if location_ids and role != Role.STAFF:
        errors["location_ids"] = ValidationError("Only staff are scoped to locations.", code="not_allowed")
    if errors:
        raise ValidationError(errors)


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list})


def lock_organization(organization_id: int | None) -> None:
    """Serialize changes to who administers an organization (its row, ``FOR NO KEY UPDATE``).

    Every path that can take an admin away (API, admin site, ``forget_auditor``) takes this lock
    first, inside its transaction and before any user row, so two admins removing each other at
    once run one after the other and the second sees the first's result. Rows that merely refer to
    the organization (visits, regions...) are not held up: their foreign keys take a KEY SHARE lock.
    """
    if organization_id is not None:
        list(Organization.objects.select_for_update(no_key=True).filter(pk=organization_id).values_list("pk"))


def ensure_admin_remains(*, organization_id: int | None, leaving: Iterable[int]) -> None:
    """An organization always keeps one active admin, or nobody could manage it any more.

    Takes the organization lock (see ``lock_organization``); call it inside the transaction that
    removes the admins, before changing them.
    """
    if organization_id is None:
        return
    lock_organization(organization_id)
    others = User.objects.filter(organization_id=organization_id, role=Role.ADMIN, is_active=True).exclude(
        pk__in=list(leaving)
    )
    if not others.exists():
        raise DomainConflict("An organization must keep at least one active admin.", code="last_admin")


def _username_taken(username: str, *, exclude_pk: int | None = None) -> bool:
    taken = User.objects.filter(username_key=username_key(username))
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


def _taken(username: str) -> DomainConflict:
    return DomainConflict(f"The username '{username}' is taken.", code="username_taken")


@transaction.atomic
def user_create(
    *,
    organization: Organization,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    email: str = "",
    region_ids: list[int] | None = None,
    location_ids: list[int] | None = None,
) -> User:
    """Create a person in the organization with one role and, for managers and staff, their scopes.

    The name is stored in NFKC; a name equal to a taken one after folding case and look-alikes
    (``accounts.usernames``) is a 409, also when two requests race (the unique index decides).
    """
    region_ids, location_ids = region_ids or [], location_ids or []
    _check_scopes(role=role, region_ids=region_ids, location_ids=location_ids)
    regions = _org_rows(Region, organization, region_ids, "region_ids")
    locations = _org_rows(Location, organization, location_ids, "location_ids")
    try:
        username = validate_new_username(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.error_list})
    if _username_taken(username):
        raise _taken(username)
    user = User(
        organization=organization,
        username=username,
        role=role,
        display_name=display_name,
        email=email,
        is_staff=role == Role.ADMIN,  # org admins may use the (organization-scoped) admin site
    )
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent create won the race for the username
        raise _taken(username)
    user.regions.set(regions)
    user.locations.set(locations)
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    role: str | _Unset = _UNSET,
    region_ids: Collection[int] | _Unset = _UNSET,
    location_ids: Collection[int] | _Unset = _UNSET,
    is_active: bool | _Unset = _UNSET,
    display_name: str | _Unset = _UNSET,
    email: str | _Unset = _UNSET,
    password: str | _Unset = _UNSET,
) -> User:
    """Change a person's role, scopes, activity, name, email or password (only what is given).

    Scopes that no longer fit the role are dropped: a manager turned auditor loses their regions.
    A new password, a deactivation or a role change ends every token the person holds (the model
    bumps their token generation).
    """
    lock_organization(user.organization_id)  # always before the user row: one lock order everywhere
    # NO KEY: rows that merely refer to the person (visits, tokens) may still be written meanwhile.
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    new_role = user.role if role is _UNSET else role
    new_active = user.is_active if is_active is _UNSET else is_active
    if user.role == Role.ADMIN and user.is_active and (new_role != Role.ADMIN or not new_active):
        ensure_admin_remains(organization_id=user.organization_id, leaving=[user.pk])
    _check_scopes(
        role=new_role,
        region_ids=None if region_ids is _UNSET else region_ids,
        location_ids=None if location_ids is _UNSET else location_ids,
    )
    if region_ids is not _UNSET:
        user.regions.set(_org_rows(Region, user.organization, region_ids, "region_ids"))
    elif new_role != Role.MANAGER:
        user.regions.clear()
    if location_ids is not _UNSET:
        user.locations.set(_org_rows(Location, user.organization, location_ids, "location_ids"))
    elif new_role != Role.STAFF:
        user.locations.clear()
    if password is not _UNSET:
        _check_password(password, user)
        user.set_password(password)
    user.role = new_role
    user.is_active = new_active
    user.is_staff = new_role == Role.ADMIN
    if display_name is not _UNSET:
        user.display_name = display_name
    if email is not _UNSET:
        user.email = email
    user.save()
    return user


@transaction.atomic
def user_notifications_update(*, user: User, changes: Mapping[str, bool]) -> User:
    """Switch notification kinds on or off for one person (``{kind: bool}``, only those given).

    A kind the person's role never hears (``accounts.notification_kinds``) cannot be switched on:
    a 400 at ``notifications.<kind>``. The row is locked so that two changes at once both count.
    """
    heard = kinds_for_role(user.role)
    refused = sorted(kind for kind, on in changes.items() if on and kind not in heard)
    if refused:
        raise ValidationError(
            {
                f"notifications.{kind}": ValidationError(
                    f"A {user.role} is never notified of {kind}; it stays off.", code="not_for_role"
                )
                for kind in refused
            }
        )
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    user.notification_settings = {**(user.notification_settings or {}), **changes}
    user.save(update_fields=["notification_settings"])
    return user


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Deactivate instead of deleting: the person's visits and history stay; their tokens stop working."""
    return user_update(user=user, is_active=False)


# --- Regions and locations ----------------------------------------------------------------------


def _save_unique(obj: Region | Location, *, model_label: str) -> None:
    """Save ``obj`` whose ``code`` is unique per organization; a clash is a 409, race or not."""
    clash = type(obj).objects.filter(organization_id=obj.organization_id, code=obj.code).exclude(pk=obj.pk)
    if clash.exists():
        raise DomainConflict(
            f"A {model_label} with code '{obj.code}' already exists in this organization.",
            code="duplicate_code",
        )
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise DomainConflict(
            f"A {model_label} with code '{obj.code}' already exists in this organization.",
            code="duplicate_code",
        )


@transaction.atomic
def region_create(*, organization: Organization, code: str, name: str) -> Region:
    region = Region(organization=organization, code=code, name=name)
    _save_unique(region, model_label="region")
    return region


@transaction.atomic
def region_update(*, region: Region, **fields: Any) -> Region:
    """Change a region's ``code`` and/or ``name``."""
    for name in ("code", "name"):
        if name in fields:
            setattr(region, name, fields[name])
    _save_unique(region, model_label="region")
    return region


LOCATION_FIELDS = (
    "code",
    "name",
    "address",
    "latitude",
    "longitude",
    "timezone",
    "phone",
    "website",
    "geofence_m",
)


def _region_in(organization: Organization, region: Region | int) -> Region:
    region_id = region.pk if isinstance(region, Region) else region
    found = Region.objects.filter(organization=organization, pk=region_id).first()
    if found is None:
        raise ValidationError(
            {"region": ValidationError("Unknown region in this organization.", code="does_not_exist")}
        )
    return found


@transaction.atomic
def location_create(
    *, organization: Organization, region: Region | int, code: str, name: str, **fields: Any
) -> Location:
    """Create a location in one of the organization's regions (``timezone`` an IANA name)."""
    location = Location(
        organization=organization, region=_region_in(organization, region), code=code, name=name
    )
    for field in LOCATION_FIELDS:
        if field in fields:
            setattr(location, field, fields[field])
    _save_unique(location, model_label="location")
    return location


@transaction.atomic
def location_update(*, location: Location, **fields: Any) -> Location:
    """Change any of a location's fields, its region included (within the organization)."""
    if "region" in fields:
        location.region = _region_in(location.organization, fields["region"])
    for field in LOCATION_FIELDS:
        if field in fields:
            setattr(location, field, fields[field])
    _save_unique(location, model_label="location")
    return location


# --- Organizations ------------------------------------------------------------------------------


@transaction.atomic
def organization_bootstrap(
    *, name: str, admin_username: str, admin_password: str
) -> tuple[Organization, User, bool]:
    """Create an organization and its first admin; ``(organization, admin, created)``.

    Idempotent: with an existing organization and admin of those names nothing changes (the
    password is not reset). An existing organization without that admin gets it as a new admin.
    """
    organization, org_created = Organization.objects.get_or_create(name=name)
    existing = User.objects.filter(username_key=username_key(admin_username)).first()
    if existing is not None:
        if existing.organization_id != organization.pk or existing.role != Role.ADMIN:
            raise ValidationError(
                {"admin": f"The username '{admin_username}' already belongs to someone else."}
            )
        return organization, existing, org_created
    admin = user_create(
        organization=organization, username=admin_username, password=admin_password, role=Role.ADMIN
    )
    return organization, admin, True


ORGANIZATION_SETTINGS = (
    "name",
    "timezone",
    "currency",
    "dispute_window_days",
    "action_due_days",
    "lockout_days",
    "daily_claim_cap",
    "default_language",
)


@transaction.atomic
def organization_update(*, organization: Organization, **fields: Any) -> Organization:
    """Change the organization's name or settings (validated by the caller's serializer).

    A name another organization already has is a 409: names are unique across the installation.
    """
    changed = [name for name in ORGANIZATION_SETTINGS if name in fields]
    for name in changed:
        setattr(organization, name, fields[name])
    if not changed:
        return organization
    if (
        "name" in changed
        and Organization.objects.filter(name=organization.name).exclude(pk=organization.pk).exists()
    ):
        raise DomainConflict("Another organization already has this name.", code="duplicate_name")
    try:
        with transaction.atomic():
            organization.save(update_fields=changed)
    except IntegrityError:
        raise DomainConflict("Another organization already has this name.", code="duplicate_name")
    return organization


# --- Retention: forgetting a person -------------------------------------------------------------


def user_find(*, username_or_id: str) -> User:
    """Resolve a command-line argument: a username (compared as at login) first, then a user id."""
    user = User.objects.filter(username_key=username_key(username_or_id)).first()
    if user is None and username_or_id.isdigit():
        user = User.objects.filter(pk=int(username_or_id)).first()
    if user is None:
        raise RetentionError(f"No user with username or id {username_or_id!r}.")
    return user


def pseudonym_for(user: User) -> str:
    return f"deleted-{user.pk}"


def user_pseudonymise(*, user: User) -> None:
    """Erase what says who ``user`` was; keep the row (as ``deleted-<id>``) so their records stay.

    Clears names and e-mail, makes the password unusable, deactivates the account (every
    token the person holds stops working at once: their token generation moves on) and drops their region and location scopes.
    Call it inside the caller's transaction with the row locked (``audits.services.auditor_forget``).
    """
    user.username = pseudonym_for(user)
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.display_name = ""
    user.is_active = False
    user.is_staff = False
    user.last_login = None
    user.set_unusable_password()
    user.pseudonymised_at = timezone.now()
    user.save()
    user.regions.clear()
    user.locations.clear()
