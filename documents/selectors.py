"""Reads for the visit report: everything one visit's PDF shows, scoped to the caller, in six queries.

The visit comes through ``audits.selectors.visits_visible_to`` (missing and not-yours are the same
404) with its organization, location and region, checklist and version joined, and its auditor
only when the caller may see who audited (``core.tenancy.shows_auditor_identity``, the rule the
visit API applies). Then its answers, its own photos (dispute evidence is the dispute's), its
disputes as the caller sees them (``disputes.selectors.disputes_visible_to``) with their items and
evidence counts, and its latest review: one query each, whatever the number of answers or photos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Prefetch

from audits.models import Answer, HistoryAction, Visit, VisitHistory
from audits.selectors import visits_visible_to
from core.principal import Principal
from core.tenancy import get_scoped_or_404, shows_auditor_identity
from disputes.models import Dispute, DisputeItem
from disputes.selectors import disputes_visible_to
from photos.models import Photo
from photos.selectors import photos_of_visit

REVIEW_ACTIONS = (HistoryAction.APPROVED, HistoryAction.RETURNED, HistoryAction.REJECTED)


@dataclass(frozen=True)
class VisitReportRows:
    """The rows a visit report is made of (``documents.report.visit_report`` reads them)."""

    visit: Visit
    answers: list[Answer]
    photos: list[Photo]
    #: Oldest first, with ``items`` prefetched and ``evidence_count`` annotated.
    disputes: Sequence[Dispute]
    #: The latest approval, return or rejection, if any.
    review: VisitHistory | None
    show_auditor: bool


def visit_report_rows(principal: Principal, visit_id: object) -> VisitReportRows:
    show_auditor = shows_auditor_identity(principal)
    related = ["organization", "location__region", "checklist", "checklist_version"]
    if show_auditor:
        related.append("auditor")
    visits = visits_visible_to(principal).select_related(*related).defer("request_body")
    visit = get_scoped_or_404(visits, pk=visit_id)
    answers = list(Answer.objects.filter(visit=visit).order_by("position"))
    photos = list(
        photos_of_visit(visit)
        .only("id", "item_key", "thumbnail", "width", "height", "taken_at", "created_at")
        .order_by("created_at", "id")
    )
    disputes = list(
        disputes_visible_to(principal)
        .filter(visit=visit)
        .annotate(evidence_count=Count("evidence"))
        .prefetch_related(Prefetch("items", queryset=DisputeItem.objects.order_by("position")))
        .order_by("opened_at", "id")
    )
    review = (
        VisitHistory.objects.filter(visit=visit, action__in=REVIEW_ACTIONS)
        .only("id", "visit_id", "action", "at", "changes")
        .order_by("-at", "-id")
        .first()
    )
    return VisitReportRows(
        visit=visit,
        answers=answers,
        photos=photos,
        disputes=disputes,
        review=review,
        show_auditor=show_auditor,
    )
