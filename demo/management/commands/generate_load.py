"""``python manage.py generate_load --visits N [--locations M]``: bulk synthetic visits for benchmarks.

Writes ``N`` visits with 20 scored answers each into an organization (default "Load Test Org"),
spread over ``M`` locations in three time zones and the ``--days`` up to ``--end``, bypassing the
API (no webhooks, no history). On PostgreSQL the rows are made by the server, set-based
(``INSERT ... SELECT`` over ``generate_series``, ``--chunk`` visits and their answers a statement):
period keys with ``AT TIME ZONE`` and ``date_trunc`` in the location's zone (what
``audits.periods.period_keys`` computes), scores from the answers in exact numerics rounded half up
(the contract's arithmetic for this all-equal-weights checklist). ``--python`` (and any other
database) builds each row in Python instead, with ``audits.periods`` itself, and writes them with
COPY on PostgreSQL, ``bulk_create`` elsewhere: about 700 visits/s against the server path's
thousands. Either way every report reads the data as it would read real visits. Running again adds more locations and visits (new
location codes continue the numbering), which is how the benchmark grows the data around a fixed
region.
"""

import datetime as dt
import io
import json
import random
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg.types.json import Jsonb

from accounts.models import Location, Organization, Region, Role, User
from audits.models import Answer, Visit
from audits.periods import period_keys
from audits.rollups import rollups_rebuild
from checklists.models import Channel, Checklist
from checklists.services import checklist_create
from core.validation import round_half_up

ZONES = ("Europe/Amsterdam", "America/New_York", "Asia/Tokyo")
SECTIONS = 4
ITEMS_PER_SECTION = 5
LOCATIONS_PER_REGION = 10
VISIT_COLUMNS = (
    "id",
    "organization_id",
    "location_id",
    "checklist_id",
    "checklist_version_id",
    "kind",
    "status",
    "auditor_id",
    "started_at",
    "ended_at",
    "notes",
    "score",
    "passed",
    "critical_failures",
    "section_scores",
    "off_site",
    "outside_window",
    "local_date",
    "week_start",
    "month_start",
    "quarter_start",
    "request_body",
    "request_hash",
    "created_at",
    "updated_at",
)
ANSWER_COLUMNS = ("visit_id", "position", "section_key", "item_key", "value", "na", "comment", "score")


def load_definition() -> list[dict]:
    sections = []
    for s in range(SECTIONS):
        items = []
        for i in range(ITEMS_PER_SECTION):
            key = f"s{s}_i{i}"
            if i % 2:
                items.append(
                    {
                        "key": key,
                        "prompt": f"Scale item {key}",
                        "type": "scale",
                        "scale_min": 1,
                        "scale_max": 5,
                    }
                )
            else:
                items.append({"key": key, "prompt": f"Yes/no item {key}", "type": "yes_no"})
        sections.append({"key": f"section_{s}", "title": f"Section {s}", "weight": 1, "items": items})
    return sections


def _other_columns(model, given: tuple[str, ...]) -> tuple[tuple[str, ...], list]:
    """Columns of ``model`` this command does not set, with their defaults (the model may grow)."""
    now = dt.datetime.now(dt.UTC)
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in given or field.primary_key:  # an auto id: the database numbers the rows
            continue
        columns.append(field.column)
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        values.append(now if auto else field.get_default())
    return tuple(columns), values


def _is_json(model, column: str) -> bool:
    return any(
        f.column == column and f.get_internal_type() == "JSONField" for f in model._meta.concrete_fields
    )


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class _Deferred:
    """Secondary indexes and unique constraints of the bulk tables, dropped and rebuilt around a load."""

    def __init__(self, tables: tuple[str, ...] = ("audits_visit", "audits_answer")):
        self.TABLES = tables
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
                """,
                [list(self.TABLES)],
            )
            rows = cursor.fetchall()
            cursor.execute(
                """
                SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype = 'u'
                """,
                [list(self.TABLES)],
            )
            self.constraints = cursor.fetchall()
            for table, name, _ in self.constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, definition in rows:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
                self.indexes.append(definition)
            # Foreign keys are checked by triggers; generated rows are consistent by construction.
            cursor.execute("SET session_replication_role = replica")

    def restore(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for table, name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for definition in self.indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
            for table in self.TABLES:
                cursor.execute(f"ANALYZE {table}")


class _SqlLoad:
    """One ``INSERT ... SELECT`` per chunk, PostgreSQL: the visits and their answers made by the server.

    The same draws as the Python path, row by row: a location (uniform), an instant (uniform over
    the span, whole seconds), self-assessment or mystery, approved or submitted (even odds), and
    per answer a yes (``random() < quality``) or a scale value 1 + four such draws. The answers go
    in first (a data-modifying CTE) and the visit rows aggregate what they returned: section score
    = mean item score x 100, visit score = mean of the four sections, both exact ``numeric`` and
    rounded half up to two decimals; passed = score >= 80 (no critical items, exact scores have at
    most two decimals here). Period keys: the local time ``started_at AT TIME ZONE`` the location's
    zone, its date and its ``date_trunc`` week (Monday), month and quarter.
    """

    def __init__(self, organization, checklist, version, auditor, sites, drift, first, span_seconds):
        self.params: dict[str, Any] = {
            "organization": organization.pk,
            "checklist": checklist.pk,
            "version": version.pk,
            "auditor": auditor.pk,
            "locations": [site.pk for site in sites],
            "zones": [site.timezone for site in sites],
            "bases": [drift[site.pk][0] for site in sites],
            "slopes": [drift[site.pk][1] for site in sites],
            "first": first,
            "span": span_seconds,
            "now": dt.datetime.now(dt.UTC),
        }
        extra, defaults = _other_columns(Visit, VISIT_COLUMNS)
        self.extra_columns = "".join(f", {column}" for column in extra)
        self.extra_values = ""
        for n, (column, value) in enumerate(zip(extra, defaults, strict=True)):
            self.params[f"extra{n}"] = Jsonb(value) if _is_json(Visit, column) else value
            self.extra_values += f", %(extra{n})s"
        answer_extra, answer_defaults = _other_columns(Answer, ANSWER_COLUMNS)
        self.answer_columns = "".join(f", {column}" for column in answer_extra)
        self.answer_values = ""
        for n, (column, value) in enumerate(zip(answer_extra, answer_defaults, strict=True)):
            self.params[f"answer_extra{n}"] = Jsonb(value) if _is_json(Answer, column) else value
            self.answer_values += f", %(answer_extra{n})s"
        self.items = [
            (s * ITEMS_PER_SECTION + i, f"section_{s}", f"s{s}_i{i}", i % 2 == 1)
            for s in range(SECTIONS)
            for i in range(ITEMS_PER_SECTION)
        ]

    def statement(self, size: int, self_share: float) -> tuple[str, dict[str, Any]]:
        params = {
            **self.params,
            "size": size,
            "self_share": self_share,
            "sites": len(self.params["locations"]),
            "positions": [p for p, *_ in self.items],
            "sections": [s for _, s, _, _ in self.items],
            "items": [i for _, _, i, _ in self.items],
            "scales": [scale for *_, scale in self.items],
        }
        # Per visit, one drawn level per item in position order: a scale value 1..5, or 1/0 for yes/no.
        draw = "(random() < d.quality)::int"
        levels = ", ".join(
            f"1 + {draw} + {draw} + {draw} + {draw}" if scale else draw for *_, scale in self.items
        )
        # An item's score in quarters (exact integers): a scale value - 1, yes 4, no 0.
        quarters = [
            f"(v.levels[{p + 1}] - 1)" if scale else f"(v.levels[{p + 1}] * 4)"
            for p, _, _, scale in self.items
        ]
        section_quarters = [
            " + ".join(quarters[s * ITEMS_PER_SECTION : (s + 1) * ITEMS_PER_SECTION]) for s in range(SECTIONS)
        ]
        # Section score = mean item score x 100 = quarters x 100 / (4 x items); visit = mean of sections.
        section_factor = 100 / (4 * ITEMS_PER_SECTION)
        sections_json = ", ".join(
            f"jsonb_build_object('key', 'section_{s}', 'score', round((q{s} * {section_factor})::numeric, 2))"
            for s in range(SECTIONS)
        )
        score = f"round((q0 + q1 + q2 + q3) * {section_factor}::numeric / {SECTIONS}, 2)"
        assert SECTIONS == 4  # noqa: S101 - the q0..q3 columns above
        sql = f"""
        WITH site AS (
            SELECT * FROM unnest(%(locations)s::bigint[], %(zones)s::text[], %(bases)s::float8[],
                                 %(slopes)s::float8[]) WITH ORDINALITY AS s(location_id, tz, base, slope, idx)
        ), item AS (
            SELECT * FROM unnest(%(positions)s::int[], %(sections)s::text[], %(items)s::text[],
                                 %(scales)s::boolean[]) AS i(position, section_key, item_key, scale)
        ), draw AS MATERIALIZED (
            SELECT gen_random_uuid() AS id, 1 + floor(random() * %(sites)s)::bigint AS idx,
                   random() AS o, random() < %(self_share)s AS self, random() < 0.5 AS approved
            FROM generate_series(1, %(size)s)
        ), site_draw AS MATERIALIZED (
            SELECT d.id, s.location_id, s.tz, d.self, d.approved,
                   %(first)s::timestamptz + make_interval(secs => floor(d.o * %(span)s)) AS started_at,
                   least(0.98, greatest(0.05, s.base + s.slope * d.o + CASE WHEN d.self THEN 0.12 ELSE 0 END))
                       AS quality
            FROM draw d JOIN site s USING (idx)
        ), v AS MATERIALIZED (
            SELECT d.*, ARRAY[{levels}] AS levels FROM site_draw d
        ), answer AS (
            INSERT INTO audits_answer (visit_id, position, section_key, item_key, value, na, comment, score
                                       {self.answer_columns})
            SELECT v.id, item.position, item.section_key, item.item_key,
                   CASE WHEN item.scale THEN to_jsonb(v.levels[item.position + 1])
                        ELSE to_jsonb(v.levels[item.position + 1] = 1) END,
                   false, '',
                   CASE WHEN item.scale THEN (v.levels[item.position + 1] - 1) / 4.0
                        ELSE v.levels[item.position + 1] END {self.answer_values}
            FROM v CROSS JOIN item
        ), scored AS (
            SELECT v.*, v.started_at AT TIME ZONE v.tz AS at,
                   {", ".join(f"{expr} AS q{s}" for s, expr in enumerate(section_quarters))}
            FROM v
        )
        INSERT INTO audits_visit ({", ".join(VISIT_COLUMNS)}{self.extra_columns})
        SELECT id, %(organization)s, location_id, %(checklist)s, %(version)s,
               CASE WHEN self THEN 'self_assessment' ELSE 'mystery' END,
               CASE WHEN approved THEN 'approved' ELSE 'submitted' END,
               CASE WHEN self THEN NULL ELSE %(auditor)s END,
               started_at, started_at + interval '20 minutes', '',
               {score}::float8, {score} >= 80, '[]'::jsonb, jsonb_build_array({sections_json}), false, false,
               at::date, date_trunc('week', at)::date, date_trunc('month', at)::date,
               date_trunc('quarter', at)::date, '{{}}'::jsonb, '', %(now)s, %(now)s {self.extra_values}
        FROM scored
        """
        return sql, params


def _round2(value: float) -> float:
    return float(round_half_up(value, 2))


class Command(BaseCommand):
    help = "Bulk-insert synthetic visits (about 20 answers each) for the reports benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--visits", type=int, required=True, help="How many visits to add.")
        parser.add_argument(
            "--locations", type=int, default=20, help="How many new locations to spread them over."
        )
        parser.add_argument("--org", default="Load Test Org", help="Organization (created if missing).")
        parser.add_argument(
            "--days", type=int, default=730, help="Spread visits over this many days up to --end."
        )
        parser.add_argument(
            "--end", type=dt.date.fromisoformat, default=None, help="Last date (default: today)."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=5000, help="Visits per batch (--python path).")
        parser.add_argument(
            "--chunk", type=int, default=250_000, help="Visits per statement (PostgreSQL server-side path)."
        )
        parser.add_argument(
            "--python",
            action="store_true",
            help="Build the rows in Python even on PostgreSQL (the slow path, and the only one elsewhere).",
        )
        parser.add_argument("--self-share", type=float, default=0.1, help="Share of self-assessments.")
        parser.add_argument(
            "--defer-indexes",
            action="store_true",
            help="PostgreSQL, big loads: drop the visit/answer secondary indexes and unique constraints "
            "while loading, skip foreign-key triggers for this session, and rebuild them at the end.",
        )

    def handle(self, *args, defer_indexes=False, **options):
        deferred = _Deferred() if defer_indexes and connection.vendor == "postgresql" else None
        if deferred:
            deferred.drop()
        try:
            organization = self.load(**options)
        finally:
            if deferred:
                started = time.perf_counter()
                deferred.restore()
                self.stdout.write(f"Rebuilt indexes in {time.perf_counter() - started:.1f} s.")
        # The bulk path bypasses the services: the organization's report rollups are computed afresh
        # (set-based SQL). A big load also rebuilds the rollup tables' indexes after the rows are in:
        # inserting a million rows through eight indexes took most of the rebuild's time.
        started = time.perf_counter()
        rollup_indexes = (
            _Deferred(("audits_visitrollup", "audits_sectionrollup", "audits_itemrollup"))
            if deferred
            else None
        )
        if rollup_indexes:
            rollup_indexes.drop()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the join and aggregate of a big load stay in memory
                cursor.execute("SET work_mem = '512MB'")
        try:
            rollups_rebuild(organization_id=organization.pk)
        finally:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("RESET work_mem")
            if rollup_indexes:
                rollup_indexes.restore()
        self.stdout.write(f"Rebuilt report rollups in {time.perf_counter() - started:.1f} s.")

    def load(self, *, visits, locations, org, days, end, seed, batch, chunk, python, self_share, **options):
        if visits < 1 or locations < 1 or days < 1 or batch < 1 or chunk < 1:
            raise CommandError("--visits, --locations, --days, --batch and --chunk must be positive.")
        rng = random.Random(seed)
        end = end or dt.date.today()
        started = time.perf_counter()
        organization, checklist, version, auditor, sites = self._setup(org, locations)
        use_copy = connection.vendor == "postgresql"
        # Each location drifts: some improve over the span, others decline.
        drift = {site.pk: (rng.uniform(0.55, 0.9), rng.uniform(-0.25, 0.25)) for site in sites}
        first = dt.datetime.combine(end - dt.timedelta(days=days - 1), dt.time(), tzinfo=dt.UTC)
        span_seconds = days * 86400
        if use_copy and not python:
            context = _SqlLoad(organization, checklist, version, auditor, sites, drift, first, span_seconds)
            written = 0
            with connection.cursor() as cursor:
                cursor.execute("SELECT setseed(%s)", [random.Random(seed).uniform(-1, 1)])
            while written < visits:
                size = min(chunk, visits - written)
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(*context.statement(size, self_share))
                written += size
                rate = written / (time.perf_counter() - started)
                self.stdout.write(f"{written} visits ({rate:,.0f}/s)")
            self._done(visits, organization, sites, started)
            return organization
        keys = [(s, f"s{s}_i{i}", i % 2 == 1) for s in range(SECTIONS) for i in range(ITEMS_PER_SECTION)]
        now = dt.datetime.now(dt.UTC)
        written = 0
        while written < visits:
            size = min(batch, visits - written)
            visit_rows: list[tuple[Any, ...]] = []
            answer_rows: list[tuple[Any, ...]] = []
            for _ in range(size):
                site = rng.choice(sites)
                base, slope = drift[site.pk]
                offset = rng.random()
                start = first + dt.timedelta(seconds=int(offset * span_seconds))
                kind = "self_assessment" if rng.random() < self_share else "mystery"
                quality = min(
                    0.98, max(0.05, base + slope * offset + (0.12 if kind == "self_assessment" else 0))
                )
                visit_id = uuid.uuid4()
                section_totals = [0.0] * SECTIONS
                for position, (s, key, is_scale) in enumerate(keys):
                    if is_scale:
                        value = 1 + sum(1 for _ in range(4) if rng.random() < quality)
                        score = (value - 1) / 4
                    else:
                        value = rng.random() < quality
                        score = 1.0 if value else 0.0
                    section_totals[s] += score
                    answer_rows.append((visit_id, position, f"section_{s}", key, value, False, "", score))
                sections = [total / ITEMS_PER_SECTION * 100 for total in section_totals]
                score = _round2(sum(sections) / SECTIONS)
                period = period_keys(start, site.timezone)
                visit_rows.append(
                    (
                        visit_id,
                        organization.pk,
                        site.pk,
                        checklist.pk,
                        version.pk,
                        kind,
                        "approved" if rng.random() < 0.5 else "submitted",
                        auditor.pk if kind == "mystery" else None,
                        start,
                        start + dt.timedelta(minutes=20),
                        "",
                        score,
                        score >= 80,
                        [],
                        [{"key": f"section_{s}", "score": _round2(sections[s])} for s in range(SECTIONS)],
                        False,
                        False,
                        period.local_date,
                        period.week_start,
                        period.month_start,
                        period.quarter_start,
                        {},
                        "",
                        now,
                        now,
                    )
                )
            with transaction.atomic():
                if use_copy:
                    self._copy(visit_rows, answer_rows)
                else:
                    self._bulk(visit_rows, answer_rows)
            written += size
            if written % (batch * 20) == 0 or written == visits:
                rate = written / (time.perf_counter() - started)
                self.stdout.write(f"{written} visits ({rate:,.0f}/s)")
        self._done(visits, organization, sites, started)
        return organization

    def _done(self, visits, organization, sites, started) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {visits} visits ({visits * SECTIONS * ITEMS_PER_SECTION} answers) to "
                f"{organization.name!r} over {len(sites)} new locations in {time.perf_counter() - started:.1f} s."
            )
        )

    def _setup(self, name: str, count: int):
        organization, _ = Organization.objects.get_or_create(name=name)
        checklist = Checklist.objects.filter(organization=organization, builtin_key="load-test").first()
        if checklist is None:
            checklist = checklist_create(
                organization=organization,
                name="Load test visit",
                channel=Channel.IN_PERSON,
                pass_threshold=80,
                sections=load_definition(),
                builtin_key="load-test",
            )
        version = checklist.versions.order_by("-number").first()
        auditor, _ = User.objects.get_or_create(
            username=f"load-auditor-{organization.pk}",
            defaults={"organization": organization, "role": Role.AUDITOR, "display_name": "Load auditor"},
        )
        existing = Location.objects.filter(organization=organization).count()
        sites = []
        for n in range(existing, existing + count):
            region, _ = Region.objects.get_or_create(
                organization=organization,
                code=f"LR{n // LOCATIONS_PER_REGION:04d}",
                defaults={"name": f"Load region {n // LOCATIONS_PER_REGION}"},
            )
            sites.append(
                Location.objects.create(
                    organization=organization,
                    region=region,
                    code=f"LL{n:06d}",
                    name=f"Load store {n:06d}",
                    timezone=ZONES[n % len(ZONES)],
                )
            )
        return organization, checklist, version, auditor, sites

    def _copy(self, visit_rows, answer_rows) -> None:
        visit_extra, visit_defaults = _other_columns(Visit, VISIT_COLUMNS)
        answer_extra, answer_defaults = _other_columns(Answer, ANSWER_COLUMNS)
        visit_json = {i for i, column in enumerate(VISIT_COLUMNS + visit_extra) if _is_json(Visit, column)}
        tail = tuple(answer_defaults)
        tail_text = "".join("\t" + _copy_text(value) for value in tail)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY audits_visit ({', '.join(VISIT_COLUMNS + visit_extra)}) FROM STDIN") as copy:
                for row in visit_rows:
                    full = (*row, *visit_defaults)
                    copy.write_row(tuple(Jsonb(v) if i in visit_json else v for i, v in enumerate(full)))
            # Answers are the bulk: write them as COPY text, one buffer per batch (the fastest path).
            buffer = io.StringIO()
            for visit_id, position, section, item, value, na, comment, score in answer_rows:
                buffer.write(
                    f"{visit_id}\t{position}\t{section}\t{item}\t{json.dumps(value)}\t{'t' if na else 'f'}"
                    f"\t{comment}\t{score!r}{tail_text}\n"
                )
            with raw.copy(
                f"COPY audits_answer ({', '.join(ANSWER_COLUMNS + answer_extra)}) FROM STDIN"
            ) as copy:
                copy.write(buffer.getvalue())

    def _bulk(self, visit_rows, answer_rows) -> None:
        Visit.objects.bulk_create(
            (Visit(**dict(zip(VISIT_COLUMNS, row, strict=True))) for row in visit_rows),
            batch_size=500,
        )
        Answer.objects.bulk_create(
            (
                Answer(
                    visit_id=v, position=p, section_key=s, item_key=i, value=val, na=na, comment=c, score=sc
                )
                for v, p, s, i, val, na, c, sc in answer_rows
            ),
            batch_size=1000,
        )
