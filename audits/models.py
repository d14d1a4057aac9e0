"""Assignments, visits, their answers and their history.

A ``Visit`` stores what reports need so that aggregation stays in SQL and cheap: its local date
in its location's time zone and that date's week, month and quarter starts (resolved at write
time), its exact score, and one ``Answer`` row per item with the item score SQL can average.
"""

import functools
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import connections, models

from core.orm import mark_saved


class AssignmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class Assignment(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="assignments"
    )
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="assignments")
    checklist = models.ForeignKey(
        "checklists.Checklist", on_delete=models.PROTECT, related_name="assignments"
    )
    checklist_version = models.ForeignKey(
        "checklists.ChecklistVersion", on_delete=models.PROTECT, related_name="assignments"
    )
    # Null while the assignment is a job on the board (``fieldwork``): whoever claims it gets it.
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments", null=True, blank=True
    )
    # Jobs (``fieldwork``): pay in the organization's currency, and who may claim it.
    is_job = models.BooleanField(default=False)
    fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    expense_cap = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    min_rating = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    due_from = models.DateTimeField()
    due_until = models.DateTimeField()
    status = models.CharField(max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN)
    instructions = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "updated_at"], name="assignment_org_updated"),
            models.Index(fields=["auditor", "updated_at"], name="assignment_auditor_updated"),
            models.Index(fields=["status", "due_until"], name="assignment_status_due"),
            # The job board: open jobs nobody has claimed, by organization.
            models.Index(
                fields=["organization", "due_until"],
                condition=models.Q(auditor__isnull=True, status="open"),
                name="assignment_board",
            ),
        ]


class VisitKind(models.TextChoices):
    MYSTERY = "mystery", "Mystery visit"
    SELF_ASSESSMENT = "self_assessment", "Self-assessment"


class VisitStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Visit(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="visits")
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="visits")
    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="visit"
    )
    checklist = models.ForeignKey("checklists.Checklist", on_delete=models.PROTECT, related_name="visits")
    checklist_version = models.ForeignKey(
        "checklists.ChecklistVersion", on_delete=models.PROTECT, related_name="visits"
    )
    kind = models.CharField(max_length=16, choices=VisitKind.choices)
    status = models.CharField(max_length=16, choices=VisitStatus.choices, default=VisitStatus.SUBMITTED)
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", null=True, blank=True
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # Expenses declared for a job's visit (``expenses: {amount, note}``), paid with its fee.
    expenses_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    expenses_note = models.TextField(blank=True)

    # Scoring, computed exactly by audits.scoring and stored for reads and reports.
    score = models.FloatField(null=True, blank=True)
    # The score before the first upheld dispute changed it (disputes.services); null while none has.
    original_score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(default=False)
    critical_failures = models.JSONField(default=list)
    section_scores = models.JSONField(default=list)
    # Item keys hidden by show_if given the answers, and shown items a re-score found unanswered.
    hidden_items = models.JSONField(default=list)
    unanswered_items = models.JSONField(default=list)
    off_site = models.BooleanField(default=False)
    outside_window = models.BooleanField(default=False)
    # The phone said its position came from a mock location provider (``position.mock``).
    mock_location = models.BooleanField(default=False)

    # Integrity flags (``audits.integrity``): ``[{code, detail}]``, their number, and the review
    # queue's sort key (risk, then started_at, then id, as one indexed string: see ``queue_key``).
    # ``VisitFlag`` rows repeat the codes for an indexed ``?flag=`` filter.
    flags = models.JSONField(default=list)
    risk = models.PositiveSmallIntegerField(default=0)
    queue_key = models.CharField(max_length=80, blank=True, default="")

    # Period keys in the location's time zone, resolved at write time (reports group on them).
    local_date = models.DateField()
    week_start = models.DateField()
    month_start = models.DateField()
    quarter_start = models.DateField()

    # Idempotency: the body that created the visit, and the hash of its canonical JSON.
    request_body = models.JSONField(default=dict)
    request_hash = models.CharField(max_length=64, blank=True)
    # The canonical hash of the last accepted revision (PUT), so a resent correction is a no-op.
    revision_hash = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "location", "local_date"], name="visit_org_loc_date"),
            models.Index(fields=["organization", "kind", "status", "local_date"], name="visit_org_kind_date"),
            models.Index(fields=["auditor", "started_at"], name="visit_auditor_started"),
            models.Index(fields=["organization", "queue_key"], name="visit_org_queue"),
        ]


class VisitFlag(models.Model):
    """One integrity flag of a visit, by code: what ``?flag=`` filters on (index ``code, visit``)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="flag_rows")
    code = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "code"], name="uniq_visit_flag")]
        indexes = [models.Index(fields=["code", "visit"], name="visit_flag_code")]


class VisitText(models.Model):
    """The SHA-256 of a long comment or note (``audits.integrity.LONG_TEXT``) of a visit, by its
    submitter: ``duplicate_text`` is one indexed lookup on ``(auditor, digest)``."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="text_digests")
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "digest"], name="uniq_visit_text")]
        indexes = [models.Index(fields=["auditor", "digest"], name="visit_text_auditor_digest")]


class AnswerQuerySet(models.QuerySet["Answer", "Answer"]):
    #: The columns ``bulk_insert`` writes (the primary key is left to the database).
    INSERT_FIELDS = ("visit", "position", "section_key", "item_key", "value", "na", "comment", "score")

    def bulk_insert(self: "AnswerQuerySet[Answer, Answer]", rows: list["Answer"]) -> list["Answer"]:
        """Store a visit's answers in one statement; like ``bulk_create``, minus the primary keys.

        On PostgreSQL the rows travel as one JSON document through ``jsonb_to_recordset``:
        compiling and adapting ``bulk_create``'s eight parameters per row was the largest Python
        cost of a submission. A JSON ``null`` becomes SQL NULL, as ``None`` does through the ORM.
        The rows keep no primary key (nothing reads it). Elsewhere it is ``bulk_create``.
        """
        connection = connections[self.db]
        if connection.vendor != "postgresql" or not rows:
            return self.bulk_create(rows)
        names = [_concrete_field(self.model, name)[0].attname for name in self.INSERT_FIELDS]
        # Values are parsed JSON already; ``default=str`` only spells the visit's UUID.
        document = json.dumps([{name: getattr(row, name) for name in names} for row in rows], default=str)
        with connection.cursor() as cursor:
            cursor.execute(_recordset_insert_sql(self.model, self.INSERT_FIELDS, self.db), [document])
        mark_saved(rows, self.db)
        return rows


def _concrete_field(model: type[models.Model], name: str) -> "tuple[models.Field[Any, Any], str]":
    """The concrete field ``name`` of ``model`` (a column, not a reverse relation) and its column."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column.")
    return field, field.column


@functools.cache
def _recordset_insert_sql(model: type[models.Model], field_names: tuple[str, ...], alias: str) -> str:
    """``INSERT ... SELECT FROM jsonb_to_recordset(%s)`` for ``field_names``, built from the model."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [_concrete_field(model, name) for name in field_names]
    columns = ", ".join(quote(column) for _, column in fields)
    # Lengths are dropped from the record type (as Django's own UNNEST insert does): the columns'
    # types still check them on insert.
    record = ", ".join(
        f"{quote(column)} {str(field.db_type(connection)).split('(')[0]}" for field, column in fields
    )
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS x({record})"
    )


class Answer(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveIntegerField()
    section_key = models.CharField(max_length=100)
    item_key = models.CharField(max_length=100)
    value = models.JSONField(null=True, blank=True)
    na = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True, help_text="Item score 0..1; null when unscored or N/A.")

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["visit_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item_key"], name="uniq_answer_item_per_visit")
        ]
        indexes = [models.Index(fields=["item_key"], name="answer_item")]


class HistoryAction(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    REVISED = "revised", "Revised"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RESCORED = "rescored", "Rescored"


class VisitHistory(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=16, choices=HistoryAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]


# --- report rollups (``audits.rollups``) ------------------------------------------------------


class RollupGrain(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"


class Rollup(models.Model):
    """What every rollup row is keyed by: one organization and one location (location rows), or one
    region (region rows: location null), or neither (organization rows), one day or one month of
    local dates, one checklist version, kind and status.

    Derived data: no foreign-key constraints in the database (deletes still cascade through the ORM),
    so bulk rebuilds and upserts pay for no per-row checks. Rows hold sums and counts, never averages: a report over any window adds rows up and divides
    once. Sums are integers in fixed units (``audits.rollups``), so adding and subtracting is exact.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # Null: a region row or the organization-wide row (every location's rows added up).
    location = models.ForeignKey(
        "accounts.Location",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # Region rows only (location null): every location of the region *now* added up; a location
    # moved to another region moves its rows' sums along (``audits.rollups.rollups_move_location``).
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,  # read through the region rows' unique index (organization, region, ...)
    )
    grain = models.CharField(max_length=5, choices=RollupGrain.choices)
    # The local date (grain day) or the month's first day (grain month).
    day = models.DateField()
    week_start = models.DateField(null=True, blank=True)  # day rows only
    month_start = models.DateField()
    quarter_start = models.DateField()
    checklist = models.ForeignKey(
        "checklists.Checklist", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    checklist_version = models.ForeignKey(
        "checklists.ChecklistVersion", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    kind = models.CharField(max_length=16, choices=VisitKind.choices)
    status = models.CharField(max_length=16, choices=VisitStatus.choices)

    #: The key columns, in the order of the unique indexes (``location`` is added for location rows).
    KEY = ("organization", "grain", "day", "checklist_version", "kind", "status")
    #: What else a row's key adds (section, item).
    EXTRA_KEY: tuple[str, ...] = ()

    class Meta:
        abstract = True


def _rollup_constraints(name: str, extra: tuple[str, ...] = ()) -> list[models.BaseConstraint]:
    """One unique index each for location, region and organization rows (partial indexes: a null
    never conflicts in SQL, and the upserts of ``audits.rollups`` name the one they target)."""
    return [
        models.UniqueConstraint(
            fields=["organization", "location", *Rollup.KEY[1:], *extra],
            condition=models.Q(location__isnull=False),
            name=f"uniq_{name}_location",
        ),
        models.UniqueConstraint(
            fields=["organization", "region", *Rollup.KEY[1:], *extra],
            condition=models.Q(location__isnull=True, region__isnull=False),
            name=f"uniq_{name}_region",
        ),
        models.UniqueConstraint(
            fields=[*Rollup.KEY, *extra],
            condition=models.Q(location__isnull=True, region__isnull=True),
            name=f"uniq_{name}_org",
        ),
    ]


class VisitRollup(Rollup):
    """Counted visits: how many, how many with a score, the scores' sum (in 1e-9 points), passed."""

    visits = models.BigIntegerField(default=0)
    scored = models.BigIntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)
    passed = models.BigIntegerField(default=0)

    class Meta:
        constraints = _rollup_constraints("visitrollup")
        indexes = [
            models.Index(
                fields=["organization", "grain", "day"],
                condition=models.Q(location__isnull=False),
                name="visitrollup_org_day",
            )
        ]


class SectionRollup(Rollup):
    """Section scores of counted visits (sections without a score left out): count and sum (1e-9)."""

    section_key = models.CharField(max_length=100)
    scored = models.BigIntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)

    EXTRA_KEY = ("section_key",)

    class Meta:
        constraints = _rollup_constraints("sectionrollup", ("section_key",))
        indexes = [
            models.Index(
                fields=["organization", "grain", "day"],
                condition=models.Q(location__isnull=False),
                name="sectionrollup_org_day",
            )
        ]


class ItemRollup(Rollup):
    """Scored answers of counted visits per item: count and item scores' sum (in 1e-12)."""

    section_key = models.CharField(max_length=100)
    item_key = models.CharField(max_length=100)
    answers = models.BigIntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)

    EXTRA_KEY = ("section_key", "item_key")

    class Meta:
        constraints = _rollup_constraints("itemrollup", ("section_key", "item_key"))
        indexes = [
            models.Index(
                fields=["organization", "grain", "day"],
                condition=models.Q(location__isnull=False),
                name="itemrollup_org_day",
            )
        ]
