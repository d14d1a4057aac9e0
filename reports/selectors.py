"""Report reads: trends, location ranking, item performance, the perception gap and CSV rows.

Every report is a handful of aggregate queries, whatever the data size: visits carry their local
date and period keys (resolved at write time, indexed with organization and location) and answers
carry their exact item score, so SQL groups and averages plain columns. The only arithmetic left
to Python is rounding: SQL ``AVG`` of doubles may differ in its last bits between SQLite and
PostgreSQL (summation order), so ``round_figure`` first drops that float noise (nine decimals),
then rounds half up to two decimals. Both databases therefore give identical answers.

Which visits count (contract, Reports): ``mystery`` visits whose status is ``submitted`` or
``approved`` (``status`` narrows to one of them), whose local date lies in ``[from, to]``, in the
caller's scope. The perception gap counts both kinds.
"""

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, TypeVar, overload

from django.db import connection, connections
from django.db.models import Avg, CharField, Count, F, IntegerField, Model, Q, QuerySet, Sum, Value

from audits.models import (
    Answer,
    ItemRollup,
    Rollup,
    RollupGrain,
    SectionRollup,
    Visit,
    VisitKind,
    VisitRollup,
    VisitStatus,
)
from audits.periods import next_period_start, period_start, period_starts
from audits.rollups import ITEM_UNIT, SCORE_UNIT
from checklists.definition import text_in
from checklists.models import ChecklistVersion
from core.languages import negotiate
from core.principal import Principal
from core.replica import read_alias
from core.roles import API_KEY_ROLE, Role
from core.tenancy import scope_rows
from core.validation import round_half_up

from . import compiled

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _InPeriod(TypedDict):
    """A counted visit annotated with its period key ``p`` (the trend's buckets)."""

    p: dt.date


class _InPeriodWithSections(_InPeriod):
    """The same, with its ``section_scores`` as ``ss`` (to unnest)."""

    ss: list[dict[str, Any]]


COUNTED_STATUSES = (VisitStatus.SUBMITTED, VisitStatus.APPROVED)
PERIOD_COLUMNS = {"week": "week_start", "month": "month_start", "quarter": "quarter_start"}

_M = TypeVar("_M", bound=Model)
_R = TypeVar("_R", bound=Rollup)

_NOISE = Decimal("1e-9")


@overload
def round_figure(value: float | Decimal) -> float: ...
@overload
def round_figure(value: None) -> None: ...
@overload
def round_figure(value: float | Decimal | None) -> float | None: ...
def round_figure(value: float | Decimal | None) -> float | None:
    """A report figure: two decimals, half up, after dropping float noise below 1e-9 (see module
    docstring)."""
    if value is None:
        return None
    return float(round_half_up(Decimal(repr(float(value))).quantize(_NOISE), 2))


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a percentage, two decimals half up (exact rational arithmetic)."""
    if not whole:
        return None
    return float(round_half_up(Fraction(part * 100, whole), 2))


# --- rows: what the report selectors return, rendered by ``reports.serializers`` ------------------


@dataclass(frozen=True)
class TrendPoint:
    period_start: dt.date
    visits: int
    average_score: float | None
    pass_rate: float | None
    sections: dict[str, float | None]


@dataclass(frozen=True)
class Trend:
    period: str
    series: list[TrendPoint]


@dataclass(frozen=True)
class LocationRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class RankingRow:
    rank: int
    location: LocationRef
    visits: int
    average_score: float | None
    previous_average_score: float | None
    change: float | None
    pass_rate: float | None


@dataclass(frozen=True)
class ItemPerformanceRow:
    item: str
    prompt: str
    section: str
    checklist: int
    answers: int
    average_item_score: float


@dataclass(frozen=True)
class GapFigures:
    self_assessment_score: float | None
    mystery_score: float | None
    gap: float | None


@dataclass(frozen=True)
class GapItemRow:
    item: str
    prompt: str
    section: str
    checklist: int
    self_assessment_score: float | None
    mystery_score: float | None
    gap: float | None


@dataclass(frozen=True)
class PerceptionGap:
    overall: GapFigures
    results: list[GapItemRow]


def _minus(a: float | None, b: float | None) -> float | None:
    """Difference of two already rounded figures, so the numbers shown add up."""
    if a is None or b is None:
        return None
    return float(Decimal(repr(a)) - Decimal(repr(b)))


_FILTER_VALUES = ("date_from", "date_to", "checklist_id", "region_id", "location_id")


@dataclass(frozen=True)
class ReportFilters:
    """What every report takes: an inclusive window of local dates and optional narrowing."""

    date_from: dt.date
    date_to: dt.date
    checklist_id: int | None = None
    status: str | None = None
    region_id: int | None = None
    location_id: int | None = None

    @property
    def statuses(self) -> tuple[str, ...]:
        return (self.status,) if self.status else COUNTED_STATUSES

    def shape(self) -> tuple[object, ...]:
        """What the SQL text depends on besides the dates and ids (see ``reports.compiled``)."""
        return (
            self.status,
            self.checklist_id is None,
            self.region_id is None,
            self.location_id is None,
        )

    def values(self) -> dict[str, object]:
        """The dates and ids, the parameters of a report's compiled SQL."""
        values: dict[str, object] = {"date_from": self.date_from, "date_to": self.date_to}
        for name in ("checklist_id", "region_id", "location_id"):
            if getattr(self, name) is not None:
                values[name] = getattr(self, name)
        return values

    def with_values(self, values: Mapping[str, Any]) -> "ReportFilters":
        given: dict[str, Any] = {name: values[name] for name in _FILTER_VALUES if name in values}
        return replace(self, **given)

    def previous(self) -> "ReportFilters":
        """The window of the same length just before ``date_from``."""
        length = self.date_to - self.date_from + dt.timedelta(days=1)
        return replace(self, date_from=self.date_from - length, date_to=self.date_from - dt.timedelta(days=1))


# --- scope -----------------------------------------------------------------------------------


def counted_visits(
    principal: Principal, filters: ReportFilters, *, kinds: Iterable[str] = (VisitKind.MYSTERY,)
) -> QuerySet[Visit]:
    """The visits a report counts, scoped to the caller, with no ordering (ready to group)."""
    return _narrow(
        scope_rows(Visit.objects.all(), principal, location="location", auditor=Q(auditor=principal)),
        filters,
        kinds=kinds,
        prefix="",
    )


def counted_answers(
    principal: Principal, filters: ReportFilters, *, kinds: Iterable[str] = (VisitKind.MYSTERY,)
) -> QuerySet[Answer]:
    """Scored answers of the visits a report counts, joined to their visit (no IN subquery)."""
    qs = scope_rows(
        Answer.objects.all(),
        principal,
        location="visit__location",
        auditor=Q(visit__auditor=principal),
        org_field="visit__organization",
    )
    return _narrow(qs, filters, kinds=kinds, prefix="visit__").filter(score__isnull=False)


def _narrow(qs: QuerySet[_M], filters: ReportFilters, *, kinds: Iterable[str], prefix: str) -> QuerySet[_M]:
    lookups: dict[str, object] = {
        f"{prefix}kind__in": list(kinds),
        f"{prefix}status__in": list(filters.statuses),
        f"{prefix}local_date__gte": filters.date_from,
        f"{prefix}local_date__lte": filters.date_to,
    }
    if filters.checklist_id is not None:
        lookups[f"{prefix}checklist_id"] = filters.checklist_id
    if filters.location_id is not None:
        lookups[f"{prefix}location_id"] = filters.location_id
    if filters.region_id is not None:
        lookups[f"{prefix}location__region_id"] = filters.region_id
    return qs.filter(**lookups).order_by()


# --- trend ---------------------------------------------------------------------------------


def _caller(principal: Principal) -> tuple[object, ...]:
    """Who asks, as far as the SQL goes: ``scope_rows`` compiles the caller's scope into it."""
    return (type(principal).__name__, principal.role, principal.pk, principal.organization_id)


def trend_raw(*, principal: Principal, filters: ReportFilters, period: str) -> Trend:
    """Visits, average score, pass rate and section averages per period, with no holes.

    Each visit is bucketed by its own stored period key, so a region mixing time zones puts
    every visit in the period of its own location's local date.
    """
    column = PERIOD_COLUMNS[period]
    shape = (_caller(principal), filters.shape(), period)
    values = filters.values()

    def visits(values: Mapping[str, object]) -> "QuerySet[WithAnnotations[Visit, _InPeriod]]":
        return counted_visits(principal, filters.with_values(values)).annotate(p=F(column))

    def totals_sql(values: Mapping[str, object]) -> tuple[str, tuple[Any, ...]]:
        return (
            visits(values)
            .values("p")
            .annotate(visits=Count("id"), average=Avg("score"), passed=Count("id", filter=Q(passed=True)))
            .query.sql_with_params()
        )

    totals = {
        _as_date(start): (count, average, passed)
        for start, count, average, passed in compiled.fetch_all(("trend", *shape), totals_sql, values)
    }
    section_rows = compiled.fetch_all(
        ("trend sections", *shape),
        lambda values: _section_averages_sql(visits(values).annotate(ss=F("section_scores"))),
        values,
    )
    return _trend_of(filters, period, totals, section_rows)


_Average = float | Decimal | None


def _trend_of(
    filters: ReportFilters,
    period: str,
    totals: Mapping[dt.date, tuple[int, _Average, int]],
    section_rows: Iterable[tuple[Any, ...]],
) -> Trend:
    """The series from ``{period start: (visits, average, passed)}`` and ``(start, section, average)``."""
    sections: dict[dt.date, dict[str, float | None]] = {}
    for start, key, average in section_rows:
        sections.setdefault(_as_date(start), {})[str(key)] = round_figure(average)
    series = []
    for start in period_starts(filters.date_from, filters.date_to, period):
        count, average, passed = totals.get(start, (0, None, 0))
        series.append(
            TrendPoint(
                period_start=start,
                visits=count,
                average_score=round_figure(average) if count else None,
                pass_rate=rate(passed, count) if count else None,
                sections=dict(sorted(sections.get(start, {}).items())),
            )
        )
    return Trend(period=period, series=series)


def _section_averages_sql(
    visits: "QuerySet[WithAnnotations[Visit, _InPeriodWithSections]]",
) -> tuple[str, tuple[Any, ...]]:
    """Average of each section's score per period, unnesting the visits' ``section_scores``.

    ``section_scores`` is a JSON list of ``{"key", "score"}``; unnesting JSON is the one place
    where SQLite and PostgreSQL need their own spelling (``json_each`` / ``jsonb_array_elements``).
    Sections a visit could not score (all N/A) carry a null score and are left out.
    """
    inner, params = visits.values("p", "ss").query.sql_with_params()
    if connection.vendor == "postgresql":
        sql = f"""
            SELECT v.p, e.value ->> 'key', AVG((e.value ->> 'score')::double precision)
            FROM ({inner}) AS v
            CROSS JOIN LATERAL jsonb_array_elements(
                CASE WHEN jsonb_typeof(v.ss) = 'array' THEN v.ss ELSE '[]'::jsonb END) AS e
            WHERE jsonb_typeof(e.value -> 'score') = 'number'
            GROUP BY 1, 2
        """
    else:
        sql = f"""
            SELECT v.p, json_extract(e.value, '$.key'), AVG(json_extract(e.value, '$.score'))
            FROM ({inner}) AS v, json_each(CASE WHEN json_valid(v.ss) THEN v.ss ELSE '[]' END) AS e
            WHERE json_type(e.value, '$.score') IN ('real', 'integer')
            GROUP BY 1, 2
        """
    return sql, params


def _as_date(value: object) -> dt.date:
    # Raw SQL on SQLite hands dates back as ISO strings.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# --- ranking ---------------------------------------------------------------------------------


def location_ranking_raw(*, principal: Principal, filters: ReportFilters) -> list[RankingRow]:
    """Locations by average score over the window, best first, with the previous window's average.

    One query over both windows (conditional aggregates). Order: higher average first (as shown,
    two decimals), then more visits, then name A to Z, then id; locations with no counted visit
    in the window are left out.
    """

    def ranking_sql(values: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        window = filters.with_values(values)
        current = Q(local_date__gte=window.date_from)
        before = Q(local_date__lt=window.date_from)
        return (
            counted_visits(principal, replace(window, date_from=values["previous_from"]))
            .values("location_id", "location__code", "location__name")
            .annotate(
                visits=Count("id", filter=current),
                average=Avg("score", filter=current),
                passed=Count("id", filter=current & Q(passed=True)),
                previous_average=Avg("score", filter=before),
            )
            .filter(visits__gt=0)
            .query.sql_with_params()
        )

    rows = compiled.fetch_all(
        ("ranking", _caller(principal), filters.shape()),
        ranking_sql,
        {**filters.values(), "previous_from": filters.previous().date_from},
    )
    return _ranking_of(rows)


def _ranking_of(rows: Iterable[tuple[Any, ...]]) -> list[RankingRow]:
    """Ranked rows from ``(location id, code, name, visits, average, passed, previous average)``."""
    results: list[RankingRow] = []
    for location_id, code, name, visits, raw_average, passed, raw_previous_average in rows:
        average = round_figure(raw_average)
        previous_average = round_figure(raw_previous_average)
        results.append(
            RankingRow(
                rank=0,  # numbered once sorted
                location=LocationRef(id=location_id, code=code, name=name),
                visits=visits,
                average_score=average,
                previous_average_score=previous_average,
                change=_minus(average, previous_average),
                pass_rate=rate(passed, visits),
            )
        )
    results.sort(
        key=lambda r: (
            r.average_score is None,
            -(r.average_score or 0),
            -r.visits,
            r.location.name,
            r.location.id,
        )
    )
    return [replace(row, rank=position) for position, row in enumerate(results, start=1)]


# --- items -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Language:
    """What a report's texts should be read in: ``?lang=``, else ``Accept-Language``, else each
    version's default language (``core.languages.negotiate`` per version, with fallback)."""

    lang: str | None = None
    accept_language: str | None = None

    def pick(self, available: list[str]) -> str | None:
        return negotiate(lang=self.lang, accept_language=self.accept_language, available=available)


def _item_catalogue(
    checklist_ids: Iterable[int], language: Language = Language()
) -> dict[tuple[int, str], dict[str, Any]]:
    """``(checklist_id, item_key) -> {prompt, section}`` from each checklist's newest version
    that defines the item (an item dropped from a later version keeps its old prompt); prompts
    are resolved to a string in the language asked for, falling back to the version's default."""
    catalogue: dict[tuple[int, str], dict[str, Any]] = {}
    wanted = set(checklist_ids)
    if not wanted:
        return catalogue
    versions = ChecklistVersion.objects.filter(checklist_id__in=wanted).order_by("checklist_id", "-number")
    for checklist_id, sections, languages in versions.values_list("checklist_id", "sections", "languages"):
        chosen = language.pick(languages or [])
        for section in sections or []:
            for item in section.get("items", []):
                key = (checklist_id, item.get("key"))
                if key not in catalogue:
                    catalogue[key] = {
                        "prompt": text_in(item.get("prompt", ""), chosen, languages or []),
                        "section": section.get("key"),
                    }
    return catalogue


def item_performance_raw(
    *, principal: Principal, filters: ReportFilters, language: Language = Language()
) -> list[ItemPerformanceRow]:
    """Mean item score x 100 per checklist item over the counted visits, weakest first.

    An item is identified by its checklist and key (two checklists may reuse a key). Ties: more
    answers first, then item key. Unscored and N/A answers are left out.
    """
    rows = compiled.fetch_all(
        ("items", _caller(principal), filters.shape()),
        lambda values: (
            counted_answers(principal, filters.with_values(values))
            .values("visit__checklist_id", "section_key", "item_key")
            .annotate(answers=Count("id"), average=Avg("score"))
            .query.sql_with_params()
        ),
        filters.values(),
    )
    return _items_of(rows, language)


def _items_of(rows: list[tuple[Any, ...]], language: Language) -> list[ItemPerformanceRow]:
    """Item rows, weakest first, from ``(checklist id, section, item, answers, mean item score)``."""
    catalogue = _item_catalogue((row[0] for row in rows), language)
    results = []
    for checklist_id, section_key, item_key, answers, average in rows:
        known = catalogue.get((checklist_id, item_key), {})
        results.append(
            ItemPerformanceRow(
                item=item_key,
                prompt=known.get("prompt", ""),
                section=section_key,
                checklist=checklist_id,
                answers=answers,
                average_item_score=round_figure(average * 100),
            )
        )
    results.sort(key=lambda r: (r.average_item_score, -r.answers, r.item, r.checklist))
    return results


def perception_gap_raw(
    *, principal: Principal, filters: ReportFilters, language: Language = Language()
) -> PerceptionGap:
    """Self-assessment against mystery scores per item and overall (gap = self - mystery).

    Both kinds count with status submitted or approved (``status`` narrows both). Items are
    listed largest gap first (items one kind never answered last), then by item key.
    """
    kinds = (VisitKind.MYSTERY, VisitKind.SELF_ASSESSMENT)
    is_self = Q(visit__kind=VisitKind.SELF_ASSESSMENT)
    is_mystery = Q(visit__kind=VisitKind.MYSTERY)
    shape = (_caller(principal), filters.shape())
    values = filters.values()
    rows = compiled.fetch_all(
        ("gap items", *shape),
        lambda values: (
            counted_answers(principal, filters.with_values(values), kinds=kinds)
            .values("visit__checklist_id", "section_key", "item_key")
            .annotate(
                self_average=Avg("score", filter=is_self), mystery_average=Avg("score", filter=is_mystery)
            )
            .query.sql_with_params()
        ),
        values,
    )
    overall_rows = dict(
        compiled.fetch_all(
            ("gap overall", *shape),
            lambda values: (
                counted_visits(principal, filters.with_values(values), kinds=kinds)
                .values("kind")
                .annotate(average=Avg("score"))
                .query.sql_with_params()
            ),
            values,
        )
    )
    return _gap_of(rows, overall_rows, language)


def _gap_of(
    rows: list[tuple[Any, ...]], overall_rows: Mapping[str, _Average], language: Language
) -> PerceptionGap:
    """The gap from ``(checklist id, section, item, self mean, mystery mean)`` and ``{kind: mean score}``."""
    catalogue = _item_catalogue((row[0] for row in rows), language)
    results = []
    for checklist_id, section_key, item_key, self_average, mystery_average in rows:
        known = catalogue.get((checklist_id, item_key), {})
        own = _times_100(self_average)
        mystery = _times_100(mystery_average)
        results.append(
            GapItemRow(
                item=item_key,
                prompt=known.get("prompt", ""),
                section=section_key,
                checklist=checklist_id,
                self_assessment_score=own,
                mystery_score=mystery,
                gap=_minus(own, mystery),
            )
        )
    results.sort(key=lambda r: (r.gap is None, -(r.gap or 0), r.item, r.checklist))
    own = round_figure(overall_rows.get(VisitKind.SELF_ASSESSMENT))
    mystery = round_figure(overall_rows.get(VisitKind.MYSTERY))
    overall = GapFigures(self_assessment_score=own, mystery_score=mystery, gap=_minus(own, mystery))
    return PerceptionGap(overall=overall, results=results)


def _times_100(average: _Average) -> float | None:
    return None if average is None else round_figure(average * 100)


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The window's visits, average score and pass rate, as one trend point over the whole window."""

    visits: int
    average_score: float | None
    pass_rate: float | None


def summary_raw(*, principal: Principal, filters: ReportFilters) -> Summary:
    """Counted visits, their average score and pass rate over the whole window: one query.

    The same visits as the trend's (``counted_visits``), in one bucket; the figures agree with the
    other reports of the same window: ``visits`` is the ranking's visits summed, ``average_score``
    the perception gap's overall ``mystery_score``. Compare two windows with ``filters.previous()``.
    """
    totals = counted_visits(principal, filters).aggregate(
        visits=Count("id"), average=Avg("score"), passed=Count("id", filter=Q(passed=True))
    )
    return _summary_of(totals["visits"] or 0, totals["average"], totals["passed"] or 0)


def _summary_of(visits: int, average: _Average, passed: int) -> Summary:
    return Summary(
        visits=visits,
        average_score=round_figure(average) if visits else None,
        pass_rate=rate(passed, visits),
    )


def change(current: float | None, previous: float | None) -> float | None:
    """How far a figure moved since the window before (as shown, two decimals): the ranking's ``change``."""
    return _minus(current, previous)


# --- the reports, from rollups ----------------------------------------------------------------
#
# Every report above (``*_raw``: the reference, also for auditors, whom rollups cannot scope) reads
# visits and answers. The same reports read ``audits`` rollups instead: a window is its whole
# months (month rows) and the days at either end (day rows); an admin's or API key's report of the
# whole organization reads its organization rows, of one region that region's rows; a manager's
# (their regions, or one of them) the region rows of their regions; everything else (one location,
# staff, the ranking) location rows under the caller's scope. Rows hold integer sums in fixed units, so each mean is exact before ``round_figure``.


def _served_by_rollups(principal: Principal) -> bool:
    return principal.role != Role.AUDITOR


def _window(date_from: dt.date, date_to: dt.date, *, months: bool = True) -> Q:
    """Rollup rows that cover ``[date_from, date_to]`` exactly once: whole months, then days."""
    first = period_start(date_from, "month")
    if first != date_from:
        first = next_period_start(first, "month")
    after = period_start(date_to + dt.timedelta(days=1), "month")
    if not months or first >= after:
        return Q(grain=RollupGrain.DAY, day__gte=date_from, day__lte=date_to)
    return (
        Q(grain=RollupGrain.MONTH, day__gte=first, day__lt=after)
        | Q(grain=RollupGrain.DAY, day__gte=date_from, day__lt=first)
        | Q(grain=RollupGrain.DAY, day__gte=after, day__lte=date_to)
    )


def _rollups(
    model: type[_R],
    principal: Principal,
    filters: ReportFilters,
    *,
    kinds: Iterable[str] = (VisitKind.MYSTERY,),
    per_location: bool = False,
) -> QuerySet[_R]:
    """The rows of ``model`` that a report of ``filters`` adds up, before the window (no ordering)."""
    qs = model._default_manager.filter(kind__in=list(kinds), status__in=list(filters.statuses)).order_by()
    if filters.checklist_id is not None:
        qs = qs.filter(checklist_id=filters.checklist_id)
    if filters.location_id is None and not per_location and principal.role in (Role.ADMIN, API_KEY_ROLE):
        if principal.organization_id is None:
            return qs.none()
        qs = qs.filter(organization_id=principal.organization_id, location__isnull=True)
        if filters.region_id is None:
            return qs.filter(region__isnull=True)  # the organization rows
        return qs.filter(region_id=filters.region_id)
    if filters.location_id is None and not per_location and principal.role == Role.MANAGER:
        # A manager sees every location of their regions: the region rows of those regions.
        if principal.organization_id is None:
            return qs.none()
        qs = qs.filter(
            organization_id=principal.organization_id, location__isnull=True, region__managers=principal
        )
        if filters.region_id is not None:
            qs = qs.filter(region_id=filters.region_id)
        return qs
    qs = scope_rows(qs.filter(location__isnull=False), principal, location="location")
    if filters.location_id is not None:
        qs = qs.filter(location_id=filters.location_id)
    if filters.region_id is not None:
        qs = qs.filter(location__region_id=filters.region_id)
    return qs


def _mean(total: object, count: object, unit: int) -> Decimal | None:
    """``total / count`` in points (``total`` in ``1 / unit``); ``None`` over nothing."""
    if not count:
        return None
    return Decimal(int(str(total))) / (Decimal(int(str(count))) * unit)


_VISIT_SUMS = {
    "n_visits": Sum("visits"),
    "n_scored": Sum("scored"),
    "total": Sum("score_sum"),
    "n_passed": Sum("passed"),
}


def trend(*, principal: Principal, filters: ReportFilters, period: str) -> Trend:
    """``trend_raw``'s series, from rollups (weeks from day rows, months and quarters from both)."""
    if not _served_by_rollups(principal):
        return trend_raw(principal=principal, filters=filters, period=period)
    column = PERIOD_COLUMNS[period]
    window = _window(filters.date_from, filters.date_to, months=period != "week")
    rows = _rollups(VisitRollup, principal, filters).filter(window).values(column).annotate(**_VISIT_SUMS)
    totals = {
        row[column]: (
            int(row["n_visits"]),
            _mean(row["total"], row["n_scored"], SCORE_UNIT),
            int(row["n_passed"]),
        )
        for row in rows
        if row["n_visits"]
    }
    sections = (
        _rollups(SectionRollup, principal, filters)
        .filter(window)
        .values(column, "section_key")
        .annotate(n_scored=Sum("scored"), total=Sum("score_sum"))
    )
    section_rows = [
        (row[column], row["section_key"], _mean(row["total"], row["n_scored"], SCORE_UNIT))
        for row in sections
        if row["n_scored"]
    ]
    return _trend_of(filters, period, totals, section_rows)


def location_ranking(*, principal: Principal, filters: ReportFilters) -> list[RankingRow]:
    """``location_ranking_raw``'s rows, from location rollups of both windows (one query)."""
    if not _served_by_rollups(principal):
        return location_ranking_raw(principal=principal, filters=filters)
    before = filters.previous()
    current = _window(filters.date_from, filters.date_to)
    previous = _window(before.date_from, before.date_to)
    rows = (
        _rollups(VisitRollup, principal, filters, per_location=True)
        .filter(current | previous)
        .values("location_id", "location__code", "location__name")
        .annotate(
            n_visits=Sum("visits", filter=current),
            n_scored=Sum("scored", filter=current),
            total=Sum("score_sum", filter=current),
            n_passed=Sum("passed", filter=current),
            previous_scored=Sum("scored", filter=previous),
            previous_sum=Sum("score_sum", filter=previous),
        )
    )
    return _ranking_of(
        (
            row["location_id"],
            row["location__code"],
            row["location__name"],
            int(row["n_visits"]),
            _mean(row["total"], row["n_scored"], SCORE_UNIT),
            int(row["n_passed"]),
            _mean(row["previous_sum"], row["previous_scored"], SCORE_UNIT),
        )
        for row in rows
        if row["n_visits"]
    )


def item_performance(
    *, principal: Principal, filters: ReportFilters, language: Language = Language()
) -> list[ItemPerformanceRow]:
    """``item_performance_raw``'s rows, from item rollups."""
    if not _served_by_rollups(principal):
        return item_performance_raw(principal=principal, filters=filters, language=language)
    rows = (
        _rollups(ItemRollup, principal, filters)
        .filter(_window(filters.date_from, filters.date_to))
        .values("checklist_id", "section_key", "item_key")
        .annotate(n_answers=Sum("answers"), total=Sum("score_sum"))
    )
    return _items_of(
        [
            (
                row["checklist_id"],
                row["section_key"],
                row["item_key"],
                int(row["n_answers"]),
                _mean(row["total"], row["n_answers"], ITEM_UNIT),
            )
            for row in rows
            if row["n_answers"]
        ],
        language,
    )


def perception_gap(
    *, principal: Principal, filters: ReportFilters, language: Language = Language()
) -> PerceptionGap:
    """``perception_gap_raw``'s figures, from item and visit rollups of both kinds."""
    if not _served_by_rollups(principal):
        return perception_gap_raw(principal=principal, filters=filters, language=language)
    kinds = (VisitKind.MYSTERY, VisitKind.SELF_ASSESSMENT)
    window = _window(filters.date_from, filters.date_to)
    own, mystery = Q(kind=VisitKind.SELF_ASSESSMENT), Q(kind=VisitKind.MYSTERY)
    items = (
        _rollups(ItemRollup, principal, filters, kinds=kinds)
        .filter(window)
        .values("checklist_id", "section_key", "item_key")
        .annotate(
            own_answers=Sum("answers", filter=own),
            own_sum=Sum("score_sum", filter=own),
            mystery_answers=Sum("answers", filter=mystery),
            mystery_sum=Sum("score_sum", filter=mystery),
        )
    )
    rows = [
        (
            row["checklist_id"],
            row["section_key"],
            row["item_key"],
            _mean(row["own_sum"], row["own_answers"], ITEM_UNIT),
            _mean(row["mystery_sum"], row["mystery_answers"], ITEM_UNIT),
        )
        for row in items
        if row["own_answers"] or row["mystery_answers"]
    ]
    overall = (
        _rollups(VisitRollup, principal, filters, kinds=kinds)
        .filter(window)
        .values("kind")
        .annotate(n_scored=Sum("scored"), total=Sum("score_sum"))
    )
    overall_rows = {row["kind"]: _mean(row["total"], row["n_scored"], SCORE_UNIT) for row in overall}
    return _gap_of(rows, overall_rows, language)


def summary(*, principal: Principal, filters: ReportFilters) -> Summary:
    """``summary_raw``'s figures, from visit rollups: one query."""
    if not _served_by_rollups(principal):
        return summary_raw(principal=principal, filters=filters)
    totals = (
        _rollups(VisitRollup, principal, filters)
        .filter(_window(filters.date_from, filters.date_to))
        .aggregate(**_VISIT_SUMS)
    )
    return _summary_of(
        int(totals["n_visits"] or 0),
        _mean(totals["total"], totals["n_scored"], SCORE_UNIT),
        int(totals["n_passed"] or 0),
    )


# --- CSV export rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    """The visit-list filters: all optional."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    location_id: int | None = None
    region_id: int | None = None
    kind: str | None = None
    status: str | None = None
    checklist_id: int | None = None


EXPORT_VISIT_FIELDS = (
    "id",
    "kind",
    "status",
    "started_at",
    "local_date",
    "location__region__code",
    "location__code",
    "location__name",
    "checklist__name",
    "checklist_version__number",
    "score",
    "passed",
    "flags",
)
EXPORT_ANSWER_FIELDS = ("visit_id", "section_key", "item_key", "value", "na", "score", "comment")
# One visit, or one answer, as the export reads it (``EXPORT_VISIT_FIELDS``, ``EXPORT_ANSWER_FIELDS``).
ExportRow = tuple[Any, ...]


class ExportVisitRow(NamedTuple):
    """One exported visit: ``EXPORT_VISIT_FIELDS``, then the auditor and the version id (or nulls)."""

    id: uuid.UUID
    kind: str
    status: str
    started_at: dt.datetime | None
    local_date: dt.date | None
    region_code: str | None
    location_code: str | None
    location_name: str | None
    checklist_name: str | None
    checklist_version: int
    score: float | None
    passed: bool
    flags: list[dict[str, str]] | None = None
    auditor: str | None = None  # only for those who see auditors
    checklist_version_id: int | None = None  # only with ``ExportTexts``


class ExportAnswerRow(NamedTuple):
    """One exported answer, in ``EXPORT_ANSWER_FIELDS`` order; ``value`` is JSON text.

    ``visit`` is the visit's id, or (PostgreSQL) its position in the chunk, counted from 1.
    """

    visit: object
    section_key: str
    item_key: str
    value: str
    na: bool
    score: float | None
    comment: str


def export_visits(
    principal: Principal, filters: ExportFilters, *, with_auditor: bool, with_version: bool = False
) -> QuerySet[Visit, ExportRow]:
    """The visits to export, scoped like the visit list, oldest first (a stable order).

    ``with_auditor`` and ``with_version`` fill the auditor's username and the checklist version's id
    (for ``ExportTexts``); otherwise those columns are null, so every row is an ``ExportVisitRow``.
    """
    qs = scope_rows(Visit.objects.all(), principal, location="location", auditor=Q(auditor=principal))
    lookups: dict[str, object] = {}
    if filters.date_from is not None:
        lookups["local_date__gte"] = filters.date_from
    if filters.date_to is not None:
        lookups["local_date__lte"] = filters.date_to
    if filters.location_id is not None:
        lookups["location_id"] = filters.location_id
    if filters.region_id is not None:
        lookups["location__region_id"] = filters.region_id
    if filters.kind:
        lookups["kind"] = filters.kind
    if filters.status:
        lookups["status"] = filters.status
    if filters.checklist_id is not None:
        lookups["checklist_id"] = filters.checklist_id
    optional = {
        "export_auditor": F("auditor__username") if with_auditor else Value(None, output_field=CharField()),
        "export_version": F("checklist_version_id")
        if with_version
        else Value(None, output_field=IntegerField()),
    }
    return (
        qs.filter(**lookups)
        .annotate(**optional)
        .order_by("started_at", "id")
        .values_list(*EXPORT_VISIT_FIELDS, *optional)
    )


class ExportTexts:
    """Item prompts and chosen option labels, in one language, for the CSV's ``lang`` columns.

    Each version's texts are read once (one query per distinct version in the export) and resolved
    to the declared language that matches ``lang`` best, falling back to the version's default.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self._versions: dict[int, dict[str, tuple[str, dict[str, str]]]] = {}

    def _load(self, version_id: int) -> dict[str, tuple[str, dict[str, str]]]:
        row = ChecklistVersion.objects.filter(pk=version_id).values_list("sections", "languages").first()
        sections, languages = row if row is not None else ([], [])
        chosen = negotiate(lang=self.lang, accept_language=None, available=languages or [])
        table = {}
        for section in sections or []:
            for item in section.get("items", []):
                labels = {
                    option.get("key"): text_in(option.get("label", ""), chosen, languages or [])
                    for option in item.get("options") or []
                }
                table[item.get("key")] = (text_in(item.get("prompt", ""), chosen, languages or []), labels)
        return table

    def cells(self, version_id: int, item_key: str, raw_value: str | None) -> tuple[str, str]:
        """``(prompt, label)``; ``raw_value`` is the answer's value as JSON text (a choice's key)."""
        table = self._versions.get(version_id)
        if table is None:
            table = self._versions[version_id] = self._load(version_id)
        prompt, labels = table.get(item_key, ("", {}))
        label = ""
        if labels and raw_value and raw_value.startswith('"'):
            label = labels.get(json.loads(raw_value), "")
        return prompt, label


def iter_export(
    visits: QuerySet[Visit, Any], *, visits_per_chunk: int = 1000
) -> Iterator[tuple[ExportVisitRow, list[ExportAnswerRow]]]:
    """``(visit_row, answer_rows)`` pairs, read in chunks: memory stays flat however big the export.

    Visits stream from one chunked read (a server-side cursor on PostgreSQL); each chunk's answers
    come from one indexed query on ``visit_id``. Sorting only the visits (not every answer joined
    to its visit) lets the first bytes leave at once and keeps the database work proportional to
    what is exported.
    """
    answers_of = _chunk_answers_postgresql if connection.vendor == "postgresql" else _chunk_answers
    rows = visits.iterator(chunk_size=visits_per_chunk)
    while chunk := [ExportVisitRow(*row) for row in islice(rows, visits_per_chunk)]:
        yield from zip(chunk, answers_of([visit.id for visit in chunk]), strict=True)


def _chunk_answers(visit_ids: list[Any]) -> list[list[ExportAnswerRow]]:
    """Each visit's answers in checklist order, aligned with ``visit_ids``; ``value`` as JSON text."""
    by_visit: dict[Any, list[ExportAnswerRow]] = {visit_id: [] for visit_id in visit_ids}
    rows = Answer.objects.filter(visit_id__in=visit_ids).order_by("visit_id", "position")
    for visit_id, section, item, value, na, score, comment in rows.values_list(*EXPORT_ANSWER_FIELDS):
        by_visit[visit_id].append(
            ExportAnswerRow(visit_id, section, item, json.dumps(value), na, score, comment)
        )
    return list(by_visit.values())


def _chunk_answers_postgresql(visit_ids: list[Any]) -> list[list[ExportAnswerRow]]:
    """The same, tuned for millions of rows: the database numbers each answer's visit by its place
    in the chunk (an int is cheaper to send and parse than a UUID) and sends JSON values as text,
    which the CSV writer decodes once per distinct value."""
    by_visit: list[list[ExportAnswerRow]] = [[] for _ in visit_ids]
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(
            """
            SELECT v.n, a.section_key, a.item_key, a.value::text, a.na, a.score, a.comment
            FROM audits_answer a
            JOIN unnest(%s::uuid[]) WITH ORDINALITY AS v(id, n) ON a.visit_id = v.id
            ORDER BY v.n, a.position
            """,
            [visit_ids],
        )
        for fields in cursor.fetchall():
            by_visit[fields[0] - 1].append(ExportAnswerRow._make(fields))
    return by_visit
