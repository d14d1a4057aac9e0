"""Reads for disputes, already scoped to the caller, and the disputes report.

Who sees a dispute: admins and API keys the organization's, managers their regions', staff their
locations', and the auditor of the disputed visit (never who opened it: that is not rendered).

The report counts, per location, the mystery visits that trends count (``reports.selectors``), the
disputes of those visits, how many were decided and upheld (fully or partly), and the median time
from opening to decision. Everything is SQL aggregation in three queries whatever the number of
locations: the counts (one grouped query over visits joined to their disputes), and the medians
per location and overall. PostgreSQL computes a median with ``percentile_cont(0.5)``; SQLite has
no such aggregate, so there it is the mean of the middle one or two rows numbered by window
functions, which is the same value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Func, Prefetch, Q, QuerySet

from core.principal import Principal
from core.tenancy import get_scoped_or_404, scope_rows
from photos.models import Photo
from photos.selectors import photos_of_dispute
from reports.selectors import LocationRef, ReportFilters, counted_visits, rate, round_figure

from .models import UPHELD_STATUSES, Dispute, DisputeItem, DisputeStatus

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler
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


class HoursBetween(Func):
    """Hours from the second expression to the first (``end``, ``start``), as a double."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)::double precision"
        return super().as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        template = "((julianday(%(expressions)s)) * 24.0)"
        return super().as_sql(compiler, connection, template=template, arg_joiner=") - julianday(", **extra)


class Median(Aggregate):
    """``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``: PostgreSQL's ordered-set aggregate."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


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
    decided = _decided(principal, filters)
    if connection.vendor == "postgresql":
        per_location = dict(
            decided.values("location_id")
            .annotate(median=Median("hours"))
            .values_list("location_id", "median")
        )
        overall = decided.aggregate(median=Median("hours"))["median"]
        return per_location, overall
    inner, params = decided.values_list("location_id", "hours").query.sql_with_params()
    sql = """
        SELECT g, AVG(h) FROM (
            SELECT {group} AS g, d.hours AS h,
                   ROW_NUMBER() OVER (PARTITION BY {group} ORDER BY d.hours) AS n,
                   COUNT(*) OVER (PARTITION BY {group}) AS c
            FROM ({inner}) AS d
        ) AS ranked
        WHERE n IN ((c + 1) / 2, (c + 2) / 2)
        GROUP BY g
    """
    with connection.cursor() as cursor:
        cursor.execute(sql.format(group="d.location_id", inner=inner), params)
        per_location = dict(cursor.fetchall())
        cursor.execute(sql.format(group="'all'", inner=inner), params)
        row = cursor.fetchone()
    return per_location, (row[1] if row else None)


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
