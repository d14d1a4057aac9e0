"""Reads for disputes, already scoped to the caller, and the disputes report.

Who sees a dispute: admins and API keys the organization's, managers their regions', staff their
locations', and the auditor of the disputed visit (never who opened it: that is not rendered).

The report counts, per location, the mystery visits that trends count (``reports.selectors``), the
disputes of those visits, how many were decided and upheld (fully or partly), and the median time
from opening to decision. Everything is SQL aggregation in three queries whatever the number of
locations: the counts (one grouped query over visits joined to their disputes), and the medians
per location and overall (``reports.aggregates.medians``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Prefetch, Q, QuerySet

from core.principal import Principal
from core.tenancy import get_scoped_or_404, scope_rows
from photos.models import Photo
from photos.selectors import photos_of_dispute
from reports.aggregates import HoursBetween, medians
from reports.selectors import LocationRef, ReportFilters, counted_visits, rate, round_figure

from .models import UPHELD_STATUSES, Dispute, DisputeItem, DisputeStatus

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _WithHours(TypedDict):
    """A decided dispute annotated with its hours from opening to decision."""

    hours: float


def disputes_visible_to(principal: Principal) -> QuerySet[Dispute]:
    return scope_rows(
        Dispute.objects.all(), principal, location="location", auditor=Q(visit__auditor=principal)
    )


def dispute_list(principal: Principal) -> QuerySet[Dispute]:
    """Disputes ready to render: two queries per page (the disputes, then their items)."""
    return disputes_visible_to(principal).prefetch_related(
        Prefetch("items", queryset=DisputeItem.objects.order_by("position"))
    )


def dispute_for_evidence(principal: Principal, dispute_id: object) -> Dispute:
    """The dispute (with its visit's version, location and organization) or 404."""
    qs = dispute_list(principal).select_related(
        "visit__checklist_version", "visit__location", "visit__organization"
    )
    return get_scoped_or_404(qs, pk=dispute_id)


# --- the report -------------------------------------------------------------------------------


def _decided(principal: Principal, filters: ReportFilters) -> QuerySet[WithAnnotations[Dispute, _WithHours]]:
    """Decided disputes of the visits the report counts, with their hours to decision."""
    return (
        Dispute.objects.filter(visit__in=counted_visits(principal, filters))
        .exclude(status=DisputeStatus.OPEN)
        .annotate(hours=HoursBetween("decided_at", "opened_at"))
        .order_by()
    )


def _medians(principal: Principal, filters: ReportFilters) -> tuple[dict[int, float], float | None]:
    """Median hours to decision per location and overall: two queries."""
    return medians(_decided(principal, filters), value="hours", group="location_id")


@dataclass(frozen=True)
class DisputeFigures:
    visits: int
    disputes: int
    dispute_rate: float | None
    decided: int
    upheld: int
    upheld_rate: float | None
    median_hours_to_decision: float | None


@dataclass(frozen=True)
class DisputeLocationRow:
    location: LocationRef
    visits: int
    disputes: int
    dispute_rate: float | None
    decided: int
    upheld: int
    upheld_rate: float | None
    median_hours_to_decision: float | None


@dataclass(frozen=True)
class DisputesReport:
    """What ``disputes_report`` returns; ``DisputeReportSerializer`` renders it."""

    overall: DisputeFigures
    results: list[DisputeLocationRow]


def disputes_report(*, principal: Principal, filters: ReportFilters) -> DisputesReport:
    """Per location and overall: visits, disputes, dispute rate, decided, upheld, upheld rate, median."""
    rows = (
        counted_visits(principal, filters)
        .values("location_id", "location__code", "location__name")
        .annotate(
            # Named apart from the ``disputes`` relation, which the later counts still join.
            n_visits=Count("id", distinct=True),
            n_disputes=Count("disputes", distinct=True),
            n_decided=Count("disputes", filter=~Q(disputes__status=DisputeStatus.OPEN), distinct=True),
            n_upheld=Count("disputes", filter=Q(disputes__status__in=UPHELD_STATUSES), distinct=True),
        )
        .order_by()
    )
    medians, overall_median = _medians(principal, filters)
    results: list[DisputeLocationRow] = []
    totals = {"visits": 0, "disputes": 0, "decided": 0, "upheld": 0}
    for counted in rows:
        row: dict[str, Any] = {**counted}
        row.update({name: row[f"n_{name}"] for name in totals})
        for name in totals:
            totals[name] += row[name]
        location = LocationRef(id=row["location_id"], code=row["location__code"], name=row["location__name"])
        figures = _figures(row, medians.get(row["location_id"]))
        results.append(DisputeLocationRow(location=location, **asdict(figures)))
    results.sort(key=lambda r: (-(r.dispute_rate or 0), -r.disputes, r.location.name, r.location.id))
    return DisputesReport(overall=_figures(totals, overall_median), results=results)


def _figures(counts: Mapping[str, Any], median: float | None) -> DisputeFigures:
    return DisputeFigures(
        visits=counts["visits"],
        disputes=counts["disputes"],
        dispute_rate=rate(counts["disputes"], counts["visits"]),
        decided=counts["decided"],
        upheld=counts["upheld"],
        upheld_rate=rate(counts["upheld"], counts["decided"]),
        median_hours_to_decision=round_figure(median),
    )


def evidence_of(dispute: Dispute) -> QuerySet[Photo]:
    return photos_of_dispute(dispute)
