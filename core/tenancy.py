"""Tenancy in one place: every queryset a view serves goes through ``scope_rows``.

A row is visible when it belongs to the caller's organization and, for scoped roles, to their
regions (managers) or locations (staff); auditors see what their assignments reach. Objects
outside that set are indistinguishable from missing ones: ``get_scoped_or_404`` raises the same
404 for both.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .principal import Principal
from .roles import API_KEY_ROLE, Role

_M = TypeVar("_M", bound=Model)

# Largest value a 64-bit signed integer column holds; ids beyond it cannot exist.
_MAX_DB_INT = 2**63 - 1


def _join(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def scope_rows(
    qs: QuerySet[_M],
    principal: Principal,
    *,
    location: str | None = "location",
    auditor: Q | None = None,
    org_field: str = "organization",
) -> QuerySet[_M]:
    """Filter ``qs`` to what ``principal`` may see.

    The filters are joins and subqueries on the caller's id, never lists of ids read beforehand:
    reports reuse their compiled SQL per caller (``reports.compiled``), which stays right only
    while a change of someone's regions or locations changes rows, not SQL text.

    ``location`` is the path from the model to its ``Location`` (``""`` for Location itself,
    ``None`` when rows are not tied to a location). ``auditor`` is the condition that makes a
    row visible to an auditor; without it auditors see nothing.
    """
    org_id = principal.organization_id
    if org_id is None:
        return qs.none()
    qs = qs.filter(**{f"{org_field}_id": org_id})
    role = principal.role
    if role in (Role.ADMIN, API_KEY_ROLE):
        return qs
    if role == Role.MANAGER:
        if location is None:
            return qs
        return qs.filter(**{_join(location, "region__managers"): principal})
    if role == Role.STAFF:
        if location is None:
            return qs
        return qs.filter(**{_join(location, "staff"): principal})
    if role == Role.AUDITOR and auditor is not None:
        return qs.filter(auditor)
    return qs.none()


def scope_regions(
    qs: QuerySet[_M], principal: Principal, *, visible_locations: QuerySet[Any] | None = None
) -> QuerySet[_M]:
    """Filter a ``Region`` queryset: the organization for admins and keys, their own regions for
    managers (even empty ones), and the regions of ``visible_locations`` (the locations the caller
    sees) for staff and auditors.

    Regions are above locations, so ``scope_rows``' location path cannot express the manager rule;
    sub-selects (not joins) keep one row per region without DISTINCT.
    """
    role = principal.role
    if role == Role.MANAGER:
        return scope_rows(qs, principal, location=None).filter(managers=principal)
    if role in (Role.STAFF, Role.AUDITOR):
        if visible_locations is None:
            return qs.none()
        return scope_rows(qs, principal, location=None, auditor=Q()).filter(
            pk__in=visible_locations.values("region_id")
        )
    return scope_rows(qs, principal, location=None)


# --- What an auditor reaches ---------------------------------------------------------------------
#
# Auditors see the locations and checklists their assignments need. Assignments live in an app
# above the ones that own locations and checklists, so the rule is not imported from here: the
# app that owns assignments registers it at startup (``AuditsConfig.ready``) and the selectors of
# locations and checklists ask for it by model.

AuditorReach = Callable[[Principal], Q]
_auditor_reach: dict[str, AuditorReach] = {}


def auditor_reach_register(model_label: str, rule: AuditorReach) -> None:
    """Say which rows of ``model_label`` (``"app.Model"``) an auditor reaches: ``rule(principal) -> Q``."""
    _auditor_reach[model_label.lower()] = rule


def auditor_reach(model: type[Model], principal: Principal) -> Q | None:
    """The registered reach of ``principal`` (an auditor) over ``model``; ``None`` means nothing."""
    rule = _auditor_reach.get(model._meta.label_lower)
    return None if rule is None else rule(principal)


def _out_of_range(value: object) -> bool:
    """True for an integer-looking id no database column can hold (a 404, never a 500)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit():
            return False
        if len(text) > 20:  # beyond any 64-bit id (and int() refuses 4,300 digits and more)
            return True
        value = int(text)
    return isinstance(value, int) and not -_MAX_DB_INT - 1 <= value <= _MAX_DB_INT


def get_scoped_or_404(qs: QuerySet[_M], **lookup: Any) -> _M:
    """Fetch and authorize in one step: missing and not-yours are the same 404.

    Ids that cannot be an id at all (``abc``, ``99999999999999999999``) are simply not found.
    """
    if any(_out_of_range(value) for value in lookup.values()):
        raise Http404
    try:
        return qs.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError, ValidationError):
        raise Http404
    except MultipleObjectsReturned:
        # Only a join can repeat a row, and then the same row: it exists, so ``first()`` finds it.
        found = qs.filter(**lookup).first()
        if found is None:
            raise Http404
        return found


def shows_auditor_identity(principal: Principal) -> bool:
    """Auditor anonymity: only admins and managers ever see who audited a visit."""
    return principal.role in (Role.ADMIN, Role.MANAGER)
