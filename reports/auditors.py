"""The auditors report: how each auditor's visits compare with their peers', by SQL aggregation.

One grouped query over (auditor, location) gives, per pair, the visits, the counted visits' score
sum and count, and how many were ever returned, are rejected, or carry a flag. Summing the pairs
per auditor gives the auditor's figures; the location totals minus the auditor's own give the mean
score of the *other* auditors' visits at each location, so ``peer_deviation`` (the mean over the
auditor's counted visits of ``score - mean of other auditors' visits at that location``) is
``sum over locations of n_LA * (mean_LA - peer_L) / sum of those n_LA`` with no second query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from audits.models import HistoryAction, Visit, VisitHistory, VisitKind, VisitStatus
from core.principal import Principal
from core.tenancy import scope_rows

from .selectors import ReportFilters, rate, round_figure

#: The auditor's rating, kept by ``fieldwork`` (an app above this one) on its profile: read through
#: the relation it declares. An auditor without a profile has no decided visit: the prior, 15 / 3.
RATING = "auditor__auditor_profile__rating"
DEFAULT_RATING = 5.0


@dataclass(frozen=True)
class AuditorRef:
    id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class AuditorRow:
    auditor: AuditorRef
    visits: int
    average_score: float | None
    peer_deviation: float | None
    return_rate: float | None
    reject_rate: float | None
    flag_rate: float | None
    rating: float | None = None


@dataclass
class _Pair:
    visits: int = 0
    scored: int = 0
    score_sum: float = 0.0
    returned: int = 0
    rejected: int = 0
    flagged: int = 0


@dataclass
class _Totals:
    pairs: dict[int, _Pair] = field(default_factory=dict)  # by location
    ref: AuditorRef | None = None
    rating: float | None = None


def _window(principal: Principal, filters: ReportFilters) -> QuerySet[Visit]:
    """The caller's mystery visits in the window, of every status (returned and rejected ones count
    for the rates)."""
    lookups: dict[str, object] = {
        "kind": VisitKind.MYSTERY,
        "auditor__isnull": False,
        "local_date__gte": filters.date_from,
        "local_date__lte": filters.date_to,
    }
    if filters.checklist_id is not None:
        lookups["checklist_id"] = filters.checklist_id
    if filters.location_id is not None:
        lookups["location_id"] = filters.location_id
    if filters.region_id is not None:
        lookups["location__region_id"] = filters.region_id
    visits = scope_rows(Visit.objects.all(), principal, location="location", auditor=Q(auditor=principal))
    return visits.filter(**lookups)


def _pairs(principal: Principal, filters: ReportFilters) -> list[tuple]:
    # Average and peer deviation use the counted statuses only (``status=approved`` narrows them).
    counted = Q(status__in=list(filters.statuses), score__isnull=False)
    returned = VisitHistory.objects.filter(visit=OuterRef("pk"), action=HistoryAction.RETURNED)
    visits = _window(principal, filters)
    return list(
        visits.annotate(was_returned=Exists(returned))
        .values("auditor_id", "auditor__username", "auditor__display_name", RATING, "location_id")
        .annotate(
            n=Count("id"),
            scored=Count("id", filter=counted),
            score_sum=Sum("score", filter=counted),
            returned=Count("id", filter=Q(was_returned=True)),
            rejected=Count("id", filter=Q(status=VisitStatus.REJECTED)),
            flagged=Count("id", filter=Q(risk__gt=0)),
        )
        .order_by()
        .values_list(
            "auditor_id",
            "auditor__username",
            "auditor__display_name",
            RATING,
            "location_id",
            "n",
            "scored",
            "score_sum",
            "returned",
            "rejected",
            "flagged",
        )
    )


def auditor_report(*, principal: Principal, filters: ReportFilters) -> list[AuditorRow]:
    """Per auditor with a mystery visit in the window (any status): best average first."""
    auditors: dict[int, _Totals] = defaultdict(_Totals)
    location_scored: dict[int, int] = defaultdict(int)
    location_sum: dict[int, float] = defaultdict(float)
    for (
        auditor_id,
        username,
        name,
        rating,
        location_id,
        n,
        scored,
        total,
        returned,
        rejected,
        flagged,
    ) in _pairs(principal, filters):
        totals = auditors[auditor_id]
        totals.ref = AuditorRef(id=auditor_id, username=username, display_name=name or username)
        totals.rating = DEFAULT_RATING if rating is None else float(rating)
        totals.pairs[location_id] = _Pair(n, scored, float(total or 0), returned, rejected, flagged)
        location_scored[location_id] += scored
        location_sum[location_id] += float(total or 0)
    rows = [
        _row(totals, location_scored, location_sum) for totals in auditors.values() if totals.ref is not None
    ]
    rows.sort(
        key=lambda r: (r.average_score is None, -(r.average_score or 0), r.auditor.display_name, r.auditor.id)
    )
    return rows


def _row(totals: _Totals, location_scored: dict[int, int], location_sum: dict[int, float]) -> AuditorRow:
    pairs = totals.pairs.values()
    visits = sum(p.visits for p in pairs)
    scored = sum(p.scored for p in pairs)
    deviation_sum, deviation_n = 0.0, 0
    for location_id, pair in totals.pairs.items():
        peers = location_scored[location_id] - pair.scored
        if not pair.scored or not peers:
            continue  # no other auditor's counted visit at this location: nothing to compare with
        peer_mean = (location_sum[location_id] - pair.score_sum) / peers
        deviation_sum += pair.score_sum - pair.scored * peer_mean
        deviation_n += pair.scored
    assert totals.ref is not None
    return AuditorRow(
        auditor=totals.ref,
        visits=visits,
        average_score=round_figure(sum(p.score_sum for p in pairs) / scored) if scored else None,
        peer_deviation=round_figure(deviation_sum / deviation_n) if deviation_n else None,
        return_rate=rate(sum(p.returned for p in pairs), visits),
        reject_rate=rate(sum(p.rejected for p in pairs), visits),
        flag_rate=rate(sum(p.flagged for p in pairs), visits),
        rating=totals.rating,
    )
