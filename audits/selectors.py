"""Reads for assignments and visits, already scoped to the caller.

The list selectors return querysets shaped for rendering a page in a constant number of queries:
the version tree is joined, answers and photo keys are prefetched, and what a page never shows
(the stored request body) is deferred.
"""

from typing import Any

from django.db.models import Count, F, Max, Min, Model, Prefetch, Q, QuerySet

from core.principal import Principal
from core.roles import Role
from core.tenancy import scope_rows

from .integrity import PhotoFacts
from .models import Answer, Assignment, AssignmentStatus, Visit, VisitHistory


def auditor_locations_q(principal: Principal) -> Q:
    """The ``Location`` rows an auditor may see: those their assignments send them to."""
    return Q(pk__in=Assignment.objects.filter(auditor_id=principal.pk).values("location_id"))


def auditor_checklists_q(principal: Principal) -> Q:
    """The ``Checklist`` rows an auditor may see: those a (not cancelled) assignment of theirs needs."""
    needed = Assignment.objects.filter(auditor_id=principal.pk).exclude(status=AssignmentStatus.CANCELLED)
    return Q(pk__in=needed.values("checklist_id"))


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
            # Photos sit in an app above this one: reach their model through the relation it declares.
            Prefetch(
                "photos",
                queryset=_photo_model()
                ._default_manager.filter(dispute__isnull=True)
                .only("id", "visit_id", "item_key", "dispute_id"),
            ),
        )
    )


def visit_history(visit: Visit) -> QuerySet[VisitHistory]:
    return VisitHistory.objects.filter(visit=visit).select_related("actor")


def _photo_model() -> type[Model]:
    """The model behind ``Visit.photos`` (declared by ``photos``, which imports this app)."""
    model = Visit._meta.get_field("photos").related_model
    if not isinstance(model, type):
        raise TypeError("Visit.photos names no model.")
    return model


def visit_photo_facts(visit_id: Any) -> PhotoFacts:
    """How many of the visit's own photos (not dispute or action evidence) are reused, and the span
    of their capture times: one aggregate query through the relation ``photos`` declares."""
    own = Q(photos__dispute__isnull=True, photos__action__isnull=True)
    row = Visit.objects.filter(pk=visit_id).aggregate(
        reused=Count("photos", filter=own & Q(photos__reused=True)),
        earliest=Min("photos__taken_at", filter=own),
        latest=Max("photos__taken_at", filter=own),
    )
    return PhotoFacts(reused=row["reused"] or 0, earliest=row["earliest"], latest=row["latest"])
