"""Reads for people, API keys, regions and locations, already scoped to the caller.

Every queryset here goes through ``core.tenancy``; list pages cost a constant number of queries
(related ids are prefetched, never fetched row by row).
"""

from django.db.models import Prefetch, Q, QuerySet

from core.principal import Principal, organization_id_of
from core.roles import Role
from core.tenancy import auditor_reach, scope_regions, scope_rows

from .models import ApiKey, Location, Organization, Region, User

#: A person's zone when neither their locations nor their organization say one.
DEFAULT_TIMEZONE = "UTC"


def users_visible_to(principal: Principal) -> QuerySet[User]:
    """People of the caller's organization with their scopes' ids prefetched (admins only)."""
    if principal.role != Role.ADMIN:
        return User.objects.none()
    return scope_rows(User.objects.all(), principal, location=None).prefetch_related(
        Prefetch("regions", queryset=Region.objects.only("id")),
        Prefetch("locations", queryset=Location.objects.only("id")),
    )


def user_scope_ids(user: User) -> tuple[list[int], list[int]]:
    """``(region_ids, location_ids)`` of one user, in id order, using prefetched rows when present."""
    return (
        sorted(region.pk for region in user.regions.all()),
        sorted(location.pk for location in user.locations.all()),
    )


def api_keys_visible_to(principal: Principal) -> QuerySet[ApiKey]:
    """The organization's keys that still work (revoked keys are gone for good)."""
    if principal.role != Role.ADMIN:
        return ApiKey.objects.none()
    return scope_rows(ApiKey.objects.filter(revoked_at__isnull=True), principal, location=None)


def regions_visible_to(principal: Principal) -> QuerySet[Region]:
    """Regions the caller sees: see ``core.tenancy.scope_regions``."""
    visible_locations = None
    if principal.role in (Role.STAFF, Role.AUDITOR):
        visible_locations = locations_visible_to(principal)
    return scope_regions(Region.objects.all(), principal, visible_locations=visible_locations)


def locations_visible_to(principal: Principal) -> QuerySet[Location]:
    """Locations the caller sees: the organization (admins, keys), their regions' (managers),
    their own (staff) or those their assignments send them to (auditors: the reach that
    ``audits`` registers, ``audits.selectors.auditor_locations_q``)."""
    auditor = auditor_reach(Location, principal) if principal.role == Role.AUDITOR else None
    return scope_rows(Location.objects.all(), principal, location="", auditor=auditor)


def location_list(*, principal: Principal, region: int | None = None, search: str = "") -> QuerySet[Location]:
    """The caller's locations, narrowed to a region and/or a search over name, code and address."""
    qs = locations_visible_to(principal)
    if region is not None:
        qs = qs.filter(region_id=region)
    search = search.strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search) | Q(address__icontains=search))
    return qs


def organization_of(principal: Principal) -> Organization:
    """The caller's own organization (read fresh: settings may have changed since login)."""
    return Organization.objects.get(pk=organization_id_of(principal))


# --- Who hears of what happens at a location (notifications) -------------------------------------


def people_overseeing(location: Location) -> QuerySet[User]:
    """The active admins of the location's organization and the active managers of its region."""
    region_managers = User.regions.through.objects.filter(region_id=location.region_id).values("user_id")
    return User.objects.filter(organization_id=location.organization_id, is_active=True).filter(
        Q(role=Role.ADMIN) | Q(role=Role.MANAGER, pk__in=region_managers)
    )


def staff_of(location: Location) -> QuerySet[User]:
    """The active staff of one location."""
    return User.objects.filter(
        organization_id=location.organization_id, is_active=True, role=Role.STAFF, locations=location
    )


def people_with_timezones(*, roles: tuple[str, ...]) -> QuerySet[User]:
    """Active people of these roles in any organization, ready for ``person_timezone`` (two queries
    in all: the people with their organization, then their locations' zones)."""
    return (
        User.objects.filter(is_active=True, role__in=roles, organization__isnull=False)
        .select_related("organization")
        .prefetch_related(Prefetch("locations", queryset=Location.objects.only("id", "code", "timezone")))
    )


def person_timezone(user: User) -> str:
    """The IANA zone a person lives by: their locations' (the first by code, for staff of several
    stores), else their organization's ``timezone`` setting."""
    locations = sorted(user.locations.all(), key=lambda location: (location.code, location.pk))
    if locations:
        return locations[0].timezone
    organization = user.organization
    return organization.timezone if organization is not None else DEFAULT_TIMEZONE
