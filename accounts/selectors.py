"""Reads for people, API keys, regions and locations, already scoped to the caller.

Every queryset here goes through ``core.tenancy``; list pages cost a constant number of queries
(related ids are prefetched, never fetched row by row).
"""

from django.db.models import Prefetch, Q, QuerySet

from core.principal import Principal, organization_id_of
from core.roles import Role
from core.tenancy import auditor_reach, scope_regions, scope_rows

from .models import ApiKey, Location, Organization, Region, User


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
