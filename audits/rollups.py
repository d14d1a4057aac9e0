"""Report rollups: per-day and per-month sums of what reports average, kept in every write's transaction.

Reports over any window read these rows instead of visits and answers (``reports.selectors``): a
window is its whole months (month rows) plus the days at either end (day rows), for one location
(location rows), one region (region rows: a null location and the region) or the whole
organization (null location and region), so what a report reads depends on the window's length
and the number of locations, not on the number of visits.

Region rows add up the locations in the region *now*: a location moved to another region
(``location_update``, the admin site: any ``Location.save``) takes its location rows' sums out of
the old region's rows and into the new one's in the same transaction (``rollups_move_location``,
connected to the save in ``audits.apps``), and every write reads its location's region under a
share lock, so a move and a write at that location never cross.

Exactness: rows hold counts and *integer* sums in fixed units (visit and section scores in
1e-9 points, item scores in 1e-12), so increments and decrements add up exactly in any order, on
any database, and ``sum / count`` is the exact mean of the stored scores to well below the report's
rounding (``reports.selectors.round_figure`` drops everything under 1e-9 before rounding half up;
stored visit and section scores have two decimals, so their sums are exact outright).

Who writes: every change of what a report counts (a visit submitted, revised, reviewed, re-scored
by a dispute) takes the visit's ``visit_contribution`` before and after the change and calls
``rollups_apply`` in its transaction: the difference goes in as ``INSERT ... ON CONFLICT DO UPDATE``
increments (row locks on PostgreSQL, taken in one sorted order so two writers never deadlock).
Bulk loads (``generate_load``) and the migration that created the tables call ``rollups_rebuild``,
which computes the same rows from visits and answers with set-based SQL.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper

from accounts.models import Location

from .models import Answer, ItemRollup, Rollup, RollupGrain, SectionRollup, Visit, VisitRollup, VisitStatus

SCORE_UNIT = 10**9
ITEM_UNIT = 10**12
COUNTED_STATUSES = (VisitStatus.SUBMITTED, VisitStatus.APPROVED)

_KEY_COLUMNS = (
    "organization_id",
    "location_id",
    "region_id",
    "grain",
    "day",
    "week_start",
    "month_start",
    "quarter_start",
    "checklist_id",
    "checklist_version_id",
    "kind",
    "status",
)
_MEASURES: dict[type[Rollup], tuple[str, ...]] = {
    VisitRollup: ("visits", "scored", "score_sum", "passed"),
    SectionRollup: ("scored", "score_sum"),
    ItemRollup: ("answers", "score_sum"),
}


def score_units(score: float) -> int:
    """A visit or section score in 1e-9 points (stored scores have two decimals: exact)."""
    return round(score * SCORE_UNIT)


def item_units(score: float) -> int:
    """An item score (0..1) in 1e-12."""
    return round(score * ITEM_UNIT)


@dataclass(frozen=True)
class Contribution:
    """What one counted visit adds to the rollups: its key and its measures."""

    organization_id: int
    location_id: int
    region_id: int
    checklist_id: int
    checklist_version_id: int
    kind: str
    status: str
    local_date: dt.date
    week_start: dt.date
    month_start: dt.date
    quarter_start: dt.date
    scored: int
    score_sum: int
    passed: int
    sections: dict[str, int] = field(default_factory=dict)
    items: dict[tuple[str, str], int] = field(default_factory=dict)


def visit_contribution(visit: Visit, *, answers: Iterable[Answer] | None = None) -> Contribution | None:
    """The visit's rollup contribution as stored now (``None`` unless a report counts its status).

    ``answers`` are the visit's answers if the caller has them at hand; else they are read (one query).
    """
    if visit.status not in COUNTED_STATUSES:
        return None
    if answers is None:
        answers = Answer.objects.filter(visit_id=visit.pk, score__isnull=False).only(
            "section_key", "item_key", "score"
        )
    sections: dict[str, int] = {}
    for entry in visit.section_scores or []:
        score = entry.get("score") if isinstance(entry, dict) else None
        if isinstance(score, int | float) and not isinstance(score, bool):
            sections[str(entry.get("key"))] = score_units(score)
    return Contribution(
        organization_id=visit.organization_id,
        location_id=visit.location_id,
        region_id=location_region(visit.location_id),
        checklist_id=visit.checklist_id,
        checklist_version_id=visit.checklist_version_id,
        kind=visit.kind,
        status=visit.status,
        local_date=visit.local_date,
        week_start=visit.week_start,
        month_start=visit.month_start,
        quarter_start=visit.quarter_start,
        scored=0 if visit.score is None else 1,
        score_sum=0 if visit.score is None else score_units(visit.score),
        passed=1 if visit.passed else 0,
        sections=sections,
        items={(a.section_key, a.item_key): item_units(a.score) for a in answers if a.score is not None},
    )


def location_region(location_id: int, *, using: str = "default") -> int:
    """The location's region now, under a share lock on PostgreSQL (held to the end of the write's
    transaction): a concurrent move of the location waits for the write, or the write for the move."""
    connection = connections[using]
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    table, quote = Location._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('region_id')} FROM {quote(table)} WHERE {quote('id')} = %s{lock}", [location_id]
        )
        return int(cursor.fetchone()[0])


def contribution_moved(contribution: Contribution | None, status: str) -> Contribution | None:
    """The same contribution under another status (a review): ``None`` when that status is not counted."""
    if contribution is None or status not in COUNTED_STATUSES:
        return None
    return replace(contribution, status=status)


# A row's key (``_KEY_COLUMNS`` then the table's extra key) -> its measures' increments.
_Deltas = dict[tuple[object, ...], list[int]]


def _keys(c: Contribution) -> list[tuple[object, ...]]:
    """The six rows a contribution lands in: its location's, region's and organization's day and month."""
    tail = (c.checklist_id, c.checklist_version_id, c.kind, c.status)
    day = (RollupGrain.DAY, c.local_date, c.week_start, c.month_start, c.quarter_start, *tail)
    month = (RollupGrain.MONTH, c.month_start, None, c.month_start, c.quarter_start, *tail)
    return [
        (c.organization_id, *place, *period)
        for place in ((c.location_id, None), (None, c.region_id), (None, None))
        for period in (day, month)
    ]


class _Level:
    """Location, region or organization rows: which keys, which partial unique index."""

    LOCATION, REGION, ORGANIZATION = "location", "region", "organization"


def _level(key: tuple[object, ...]) -> str:
    if key[1] is not None:
        return _Level.LOCATION
    return _Level.ORGANIZATION if key[2] is None else _Level.REGION


def _add(deltas: Mapping[type[Rollup], _Deltas], c: Contribution, sign: int) -> None:
    for key in _keys(c):
        visit_row = deltas[VisitRollup].setdefault(key, [0, 0, 0, 0])
        for position, value in enumerate((1, c.scored, c.score_sum, c.passed)):
            visit_row[position] += sign * value
        for section, units in c.sections.items():
            section_row = deltas[SectionRollup].setdefault((*key, section), [0, 0])
            section_row[0] += sign
            section_row[1] += sign * units
        for (section, item), units in c.items.items():
            item_row = deltas[ItemRollup].setdefault((*key, section, item), [0, 0])
            item_row[0] += sign
            item_row[1] += sign * units


def rollups_apply(*, before: Contribution | None, after: Contribution | None, using: str = "default") -> None:
    """Move the rollups from a visit's ``before`` contribution to its ``after`` one (either may be
    ``None``: not counted), inside the caller's transaction."""
    deltas: dict[type[Rollup], _Deltas] = {model: {} for model in _MEASURES}
    if before is not None:
        _add(deltas, before, -1)
    if after is not None:
        _add(deltas, after, 1)
    _upsert_all(deltas, using=using)


def _upsert_all(deltas: Mapping[type[Rollup], _Deltas], *, using: str) -> None:
    with transaction.atomic(using=using, savepoint=False):  # the caller's transaction: no savepoint
        for model, rows in deltas.items():
            changed = {key: values for key, values in rows.items() if any(values)}
            for level in (_Level.LOCATION, _Level.REGION, _Level.ORGANIZATION):
                batch = sorted(
                    ((key, values) for key, values in changed.items() if _level(key) == level),
                    key=lambda row: tuple(str(part) for part in row[0]),
                )
                if batch:
                    _upsert(model, batch, level=level, using=using)


def _upsert(
    model: type[Rollup],
    rows: list[tuple[tuple[object, ...], list[int]]],
    *,
    level: str,
    using: str,
) -> None:
    """``INSERT ... ON CONFLICT DO UPDATE`` adding each row's increments (the same SQL on both
    databases); the conflict target is the partial unique index of the rows' level."""
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    measures = _MEASURES[model]
    columns = [*_KEY_COLUMNS, *model.EXTRA_KEY, *measures]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES "
        + ", ".join([placeholders] * len(rows))
        + _on_conflict_add(model, level, quote)
    )
    params: list[Any] = []
    for key, values in rows:
        params.extend(key)
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _unique_tail(extra: tuple[str, ...]) -> list[str]:
    return ["grain", "day", "checklist_version_id", "kind", "status", *extra]


def _on_conflict_add(model: type[Rollup], level: str, quote: Any) -> str:
    """``ON CONFLICT`` naming the level's partial unique index, adding the measures up."""
    table = quote(model._meta.db_table)
    target, where = {
        _Level.LOCATION: (["location_id"], "location_id IS NOT NULL"),
        _Level.REGION: (["region_id"], "location_id IS NULL AND region_id IS NOT NULL"),
        _Level.ORGANIZATION: ([], "location_id IS NULL AND region_id IS NULL"),
    }[level]
    columns = ["organization_id", *target, *_unique_tail(model.EXTRA_KEY)]
    return f" ON CONFLICT ({', '.join(quote(c) for c in columns)}) WHERE {where} DO UPDATE SET " + ", ".join(
        f"{quote(m)} = {table}.{quote(m)} + excluded.{quote(m)}" for m in _MEASURES[model]
    )


def rollups_move_location(
    *, location_id: int, old_region_id: int, new_region_id: int, using: str = "default"
) -> None:
    """A location moved to another region: its location rows' sums leave the old region's rows and
    join the new one's (increments, as ``rollups_apply``; rows left at zero stay, as theirs do)."""
    if old_region_id == new_region_id:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        for model, measures in _MEASURES.items():
            table = quote(model._meta.db_table)
            rest = [c for c in _KEY_COLUMNS if c not in ("location_id", "region_id")]
            columns = ", ".join(quote(c) for c in [*_KEY_COLUMNS, *model.EXTRA_KEY, *measures])
            order = ", ".join(quote(c) for c in [*_unique_tail(model.EXTRA_KEY)])
            for region_id, sign in sorted(((int(old_region_id), "-"), (int(new_region_id), ""))):
                select = ", ".join(
                    [
                        quote("organization_id"),
                        "NULL",
                        str(region_id),
                        *(quote(c) for c in rest[1:]),
                        *(quote(c) for c in model.EXTRA_KEY),
                        *(f"{sign}{quote(m)}" for m in measures),
                    ]
                )
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {select} FROM {table}"
                    f" WHERE {quote('location_id')} = %s ORDER BY {order}"
                    + _on_conflict_add(model, _Level.REGION, quote),
                    [location_id],
                )


# --- rebuilding from visits and answers (bulk loads, the migration) ------------------------------


def _day_sources(vendor: str) -> dict[type[Rollup], tuple[str, str, str]]:
    """Per table: (extra key expressions, measure expressions, FROM/WHERE) over visits ``v``."""
    counted = "v.status IN ('submitted', 'approved')"
    if vendor == "postgresql":
        sections_from = (
            "audits_visit v CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(v.section_scores)"
            " = 'array' THEN v.section_scores ELSE '[]'::jsonb END) AS e"
            f" WHERE {counted} AND jsonb_typeof(e.value -> 'score') = 'number'"
        )
        section_key, section_score = "e.value ->> 'key'", "(e.value ->> 'score')::double precision"
    else:
        sections_from = (
            "audits_visit v, json_each(CASE WHEN json_valid(v.section_scores) THEN v.section_scores"
            f" ELSE '[]' END) AS e WHERE {counted} AND json_type(e.value, '$.score') IN ('real', 'integer')"
        )
        section_key, section_score = "json_extract(e.value, '$.key')", "json_extract(e.value, '$.score')"
    return {
        VisitRollup: (
            "",
            f"COUNT(*), COUNT(v.score), COALESCE(SUM(CAST(ROUND(v.score * {SCORE_UNIT}) AS BIGINT)), 0),"
            " SUM(CASE WHEN v.passed THEN 1 ELSE 0 END)",
            f"audits_visit v WHERE {counted}",
        ),
        SectionRollup: (
            f"{section_key}",
            f"COUNT(*), SUM(CAST(ROUND({section_score} * {SCORE_UNIT}) AS BIGINT))",
            sections_from,
        ),
        ItemRollup: (
            "a.section_key, a.item_key",
            f"COUNT(*), SUM(CAST(ROUND(a.score * {ITEM_UNIT}) AS BIGINT))",
            f"audits_answer a JOIN audits_visit v ON v.id = a.visit_id WHERE {counted} AND a.score IS NOT NULL",
        ),
    }


def rollups_rebuild(*, organization_id: int | None = None, using: str = "default") -> None:
    """Compute every rollup row of one organization (or all) afresh from its visits and answers."""
    connection = connections[using]
    only = "" if organization_id is None else " AND v.organization_id = %s"
    org_params = [] if organization_id is None else [organization_id]
    visit_key = (
        "v.organization_id, v.location_id, NULL, 'day', v.local_date, v.week_start, v.month_start,"
        " v.quarter_start, v.checklist_id, v.checklist_version_id, v.kind, v.status"
    )
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for model, (extra_sql, measures_sql, source) in _day_sources(connection.vendor).items():
            table = model._meta.db_table
            keep = "" if organization_id is None else " WHERE organization_id = %s"
            cursor.execute(f"DELETE FROM {table}{keep}", org_params)
            extra = model.EXTRA_KEY
            select = visit_key + (f", {extra_sql}" if extra_sql else "")
            group = select.replace(" NULL, 'day',", "")  # PostgreSQL refuses a constant in GROUP BY
            columns = ", ".join([*_KEY_COLUMNS, *extra, *_MEASURES[model]])
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {select}, {measures_sql} FROM {source}{only}"
                f" GROUP BY {group}",
                org_params,
            )
            _rebuild_upper_levels(cursor, model, org_params)


def _rebuild_upper_levels(cursor: CursorWrapper, model: type[Rollup], org_params: list[int]) -> None:
    """Location months, organization days and organization months from the location days, then
    region days and months from the location rows (each location in its region now)."""
    table = model._meta.db_table
    extra = [f"r.{c}" for c in model.EXTRA_KEY]
    sums = ", ".join(f"SUM(r.{m})" for m in _MEASURES[model])
    columns = ", ".join([*_KEY_COLUMNS, *model.EXTRA_KEY, *_MEASURES[model]])
    tail = ", ".join(["r.checklist_id", "r.checklist_version_id", "r.kind", "r.status", *extra])
    only = "" if not org_params else " AND r.organization_id = %s"
    located = f"{table} r JOIN {Location._meta.db_table} l ON l.id = r.location_id"
    levels = (
        # (location, region, grain, day, week_start) of the new rows, from which rows
        ("r.location_id", "NULL", "'month'", "r.month_start", "NULL", table + " r", "r.grain = 'day'"),
        ("NULL", "NULL", "'day'", "r.day", "r.week_start", table + " r", "r.grain = 'day'"),
        ("NULL", "NULL", "'month'", "r.day", "NULL", table + " r", "r.grain = 'month'"),
        ("NULL", "l.region_id", "r.grain", "r.day", "r.week_start", located, "TRUE"),
    )
    for location, region, grain, day, week, source, which in levels:
        group = ", ".join(
            part
            for part in (
                "r.organization_id",
                location,
                region,
                grain,
                day,
                week,
                "r.month_start",
                "r.quarter_start",
                tail,
            )
            if part != "NULL" and not part.startswith("'")
        )
        select = f"r.organization_id, {location}, {region}, {grain}, {day}, {week}, r.month_start, r.quarter_start, {tail}"
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {select}, {sums} FROM {source}"
            f" WHERE r.location_id IS NOT NULL AND {which}{only} GROUP BY {group}",
            org_params,
        )
