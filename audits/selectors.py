"""Reads for assignments and visits, already scoped to the caller."""

from django.db.models import Q, QuerySet

from core.tenancy import scope_rows

from .models import Assignment, Visit


def visits_visible_to(principal) -> QuerySet[Visit]:
    """Visits the caller may see: organization, then region (managers), location (staff) or own (auditors)."""
    return scope_rows(Visit.objects.all(), principal, location="location", auditor=Q(auditor=principal))


def assignments_visible_to(principal) -> QuerySet[Assignment]:
    """Assignments the caller may see. Staff see none: a mystery visit must stay a mystery."""
    if getattr(principal, "role", None) == "staff":
        return Assignment.objects.none()
    return scope_rows(Assignment.objects.all(), principal, location="location", auditor=Q(auditor=principal))
