"""Reads for assignments and visits, already scoped to the caller.

The list selectors return querysets shaped for rendering a page in a constant number of queries:
the version tree is joined, answers and photo keys are prefetched, and what a page never shows
(the stored request body) is deferred.
"""

from django.db.models import F, Prefetch, Q, QuerySet

from core.principal import Principal
from core.roles import Role
from core.tenancy import scope_rows
from photos.models import Photo

from .models import Answer, Assignment, Visit, VisitHistory


def visits_visible_to(principal: Principal) -> QuerySet[Visit]:
    """Visits the caller may see: organization, then region (managers), location (staff) or own (auditors)."""
    return scope_rows(Visit.objects.all(), principal, location="location", auditor=Q(auditor=principal))


def assignments_visible_to(principal: Principal) -> QuerySet[Assignment]:
    """Assignments the caller may see. Staff see none: a mystery visit must stay a mystery."""
    if principal.role == Role.STAFF:
        return Assignment.objects.none()
    return scope_rows(Assignment.objects.all(), principal, location="location", auditor=Q(auditor=principal))


def assignment_list(principal: Principal) -> QuerySet[Assignment]:
    """Assignments ready to render: version number and visit id come in the same query."""
    return assignments_visible_to(principal).annotate(
        version_number=F("checklist_version__number"), visit_uuid=F("visit__id")
    )


def visit_list(principal: Principal) -> QuerySet[Visit]:
    """Visits ready to render: three queries per page whatever the number of answers or photos."""
    return (
        visits_visible_to(principal)
        .select_related("checklist_version")
        .defer("request_body")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.order_by("position")),
            Prefetch(
                "photos",
                queryset=Photo.objects.filter(dispute__isnull=True).only(
                    "id", "visit_id", "item_key", "dispute_id"
                ),
            ),
        )
    )


def visit_history(visit: Visit) -> QuerySet[VisitHistory]:
    return VisitHistory.objects.filter(visit=visit).select_related("actor")
