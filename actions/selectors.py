"""Reads for corrective actions, already scoped to the caller, and the actions report.

Who sees an action: admins and API keys the organization's, managers their regions', staff their
locations'; auditors never (``scope_rows`` without an auditor rule shows them nothing).

``overdue`` is SQL: ``Action.overdue_q(now)`` compares the stored ``overdue_at`` (the start of the
day after the due date in the location's time zone) with the request's instant, on an index of the
open actions. The report is SQL aggregation: one grouped query for the counts, two for the medians
(``reports.aggregates.medians``) and one for the recurring items, whatever the number of locations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
)

from core.principal import Principal
from core.tenancy import get_scoped_or_404, scope_rows
from photos.models import Photo
from photos.selectors import photos_of_action
from reports.aggregates import HoursBetween, medians
from reports.selectors import LocationRef, ReportFilters, rate, round_figure

from .models import Action, ActionHistory, ActionSource, ActionStatus

DONE = (ActionStatus.RESOLVED, ActionStatus.VERIFIED)


def actions_visible_to(principal: Principal) -> QuerySet[Action]:
    return scope_rows(Action.objects.all(), principal, location="location")


def with_overdue(qs: QuerySet[Action], now: dt.datetime) -> QuerySet[Action]:
    """Annotate ``is_overdue`` (SQL, the rule of ``Action.overdue_q``)."""
    return qs.annotate(is_overdue=ExpressionWrapper(Action.overdue_q(now), output_field=BooleanField()))


def action_list(principal: Principal, now: dt.datetime) -> QuerySet[Action]:
    """Actions ready to render: one query per page."""
    return with_overdue(actions_visible_to(principal), now)


def action_for(principal: Principal, action_id: object, now: dt.datetime) -> Action:
    """One action the caller sees (with its location), or 404."""
    return get_scoped_or_404(action_list(principal, now).select_related("location"), pk=action_id)


def action_history(action: Action) -> QuerySet[ActionHistory]:
    return ActionHistory.objects.filter(action=action).select_related("actor")


def evidence_of(action: Action) -> QuerySet[Photo]:
    return photos_of_action(action)


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionFigures:
    created: int
    open: int
    overdue: int
    resolved: int
    verified: int
    on_time_rate: float | None
    median_days_to_verify: float | None


@dataclass(frozen=True)
class ActionLocationRow:
    location: LocationRef
    created: int
    open: int
    overdue: int
    resolved: int
    verified: int
    on_time_rate: float | None
    median_days_to_verify: float | None


@dataclass(frozen=True)
class RecurringItem:
    location: LocationRef
    item: str
    failed_again: int
    last_failed_on: dt.date


@dataclass(frozen=True)
class ActionsReport:
    """What ``actions_report`` returns; ``ActionReportSerializer`` renders it."""

    overall: ActionFigures
    results: list[ActionLocationRow]
    recurring: list[RecurringItem]


def counted_actions(principal: Principal, filters: ReportFilters) -> QuerySet[Action]:
    """The actions a report counts: in the window (by their visit's local date, else their creation's),
    narrowed to a region or location, cancelled ones left out; no ordering (ready to group)."""
    qs = actions_visible_to(principal).filter(
        local_date__gte=filters.date_from, local_date__lte=filters.date_to
    )
    if filters.region_id is not None:
        qs = qs.filter(location__region_id=filters.region_id)
    if filters.location_id is not None:
        qs = qs.filter(location_id=filters.location_id)
    return qs.exclude(status=ActionStatus.CANCELLED).order_by()


_COUNTS = ("created", "open", "overdue", "resolved", "verified", "on_time", "decided")


def _counts(now: dt.datetime) -> dict[str, Count]:
    on_time = Q(status__in=DONE, resolved_at__lt=F("overdue_at"))
    return {
        "n_created": Count("id"),
        "n_open": Count("id", filter=Q(status=ActionStatus.OPEN)),
        "n_overdue": Count("id", filter=Action.overdue_q(now)),
        "n_resolved": Count("id", filter=Q(status=ActionStatus.RESOLVED)),
        "n_verified": Count("id", filter=Q(status=ActionStatus.VERIFIED)),
        "n_on_time": Count("id", filter=on_time),
        # Whose timeliness is known: done (on time or late), or open past the due date.
        "n_decided": Count("id", filter=Q(status__in=DONE) | Action.overdue_q(now)),
    }


def actions_report(*, principal: Principal, filters: ReportFilters, now: dt.datetime) -> ActionsReport:
    """Per location and overall: created, open, overdue, resolved, verified, on-time rate, median days
    to verify; and the recurring items."""
    counted = counted_actions(principal, filters)
    rows = counted.values("location_id", "location__code", "location__name").annotate(**_counts(now))
    verified = counted.filter(status=ActionStatus.VERIFIED).annotate(
        hours=HoursBetween("verified_at", "created_at")
    )
    per_location, overall_median = medians(verified, value="hours", group="location_id")
    totals = dict.fromkeys(_COUNTS, 0)
    results: list[ActionLocationRow] = []
    for row in rows:
        grouped: Mapping[str, Any] = row
        counts = {name: grouped[f"n_{name}"] for name in _COUNTS}
        for name in _COUNTS:
            totals[name] += counts[name]
        location = LocationRef(id=row["location_id"], code=row["location__code"], name=row["location__name"])
        figures = _figures(counts, per_location.get(row["location_id"]))
        results.append(ActionLocationRow(location=location, **figures.__dict__))
    results.sort(key=lambda r: (-r.overdue, -r.open, r.location.name, r.location.id))
    return ActionsReport(
        overall=_figures(totals, overall_median),
        results=results,
        recurring=recurring_items(principal, filters),
    )


def _figures(counts: dict[str, int], median_hours: float | None) -> ActionFigures:
    return ActionFigures(
        created=counts["created"],
        open=counts["open"],
        overdue=counts["overdue"],
        resolved=counts["resolved"],
        verified=counts["verified"],
        on_time_rate=rate(counts["on_time"], counts["decided"]),
        median_days_to_verify=round_figure(None if median_hours is None else median_hours / 24),
    )


def recurring_items(principal: Principal, filters: ReportFilters) -> list[RecurringItem]:
    """Items whose action was verified and that failed again in a later approved visit of that location.

    A failure again is a ``critical_failure`` action (approvals make them) of the same location and
    item whose visit started after an earlier action for that item was verified; the window selects
    the later visit's local date. One grouped query.
    """
    verified_before = Action.objects.filter(
        location_id=OuterRef("location_id"),
        item_key=OuterRef("item_key"),
        status=ActionStatus.VERIFIED,
        verified_at__lt=OuterRef("visit__started_at"),
    )
    rows = (
        counted_actions(principal, filters)
        .filter(source=ActionSource.CRITICAL_FAILURE, visit__isnull=False)
        .filter(Exists(verified_before))
        .values("location_id", "location__code", "location__name", "item_key")
        .annotate(
            failed_again=Count("id"),
            last_failed_on=Max("local_date"),
        )
        .order_by("-failed_again", "location__name", "location_id", "item_key")
    )
    return [_recurring(row) for row in rows]


def _recurring(row: Mapping[str, Any]) -> RecurringItem:
    return RecurringItem(
        location=LocationRef(id=row["location_id"], code=row["location__code"], name=row["location__name"]),
        item=row["item_key"],
        failed_again=row["failed_again"],
        last_failed_on=row["last_failed_on"],
    )
