"""Tenancy in one place: every queryset a view serves goes through ``scope_rows``.

A row is visible when it belongs to the caller's organization and, for scoped roles, to their
regions (managers) or locations (staff); auditors see what their assignments reach. Objects
outside that set are indistinguishable from missing ones: ``get_scoped_or_404`` raises the same
404 for both.
"""

from django.db.models import Q, QuerySet
from django.http import Http404


def _join(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def scope_rows(
    qs: QuerySet,
    principal,
    *,
    location: str | None = "location",
    auditor: Q | None = None,
    org_field: str = "organization",
) -> QuerySet:
    """Filter ``qs`` to what ``principal`` may see.

    ``location`` is the path from the model to its ``Location`` (``""`` for Location itself,
    ``None`` when rows are not tied to a location). ``auditor`` is the condition that makes a
    row visible to an auditor; without it auditors see nothing.
    """
    org_id = getattr(principal, "organization_id", None)
    if org_id is None:
        return qs.none()
    qs = qs.filter(**{f"{org_field}_id": org_id})
    role = principal.role
    if role in ("admin", "api_key"):
        return qs
    if role == "manager":
        if location is None:
            return qs
        return qs.filter(**{_join(location, "region__managers"): principal})
    if role == "staff":
        if location is None:
            return qs
        return qs.filter(**{_join(location, "staff"): principal})
    if role == "auditor" and auditor is not None:
        return qs.filter(auditor)
    return qs.none()


def get_scoped_or_404(qs: QuerySet, **lookup):
    """Fetch and authorize in one step: missing and not-yours are the same 404."""
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404
    except qs.model.MultipleObjectsReturned:
        return qs.filter(**lookup).first()


def shows_auditor_identity(principal) -> bool:
    """Auditor anonymity: only admins and managers ever see who audited a visit."""
    return getattr(principal, "role", None) in ("admin", "manager")
