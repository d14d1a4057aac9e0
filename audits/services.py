"""Writes for the audit loop: assignments, visit submission, revision and review.

Every service is keyword-only and atomic. A visit's webhook event is recorded in the same
transaction as the visit (``audits.events``, through ``core.events``), and its history entry too.

Idempotency of ``visit_submit``: the phone makes the visit's UUID, which is the primary key. A
body whose id exists answers with the stored visit when it says what the stored one said (compared
as JSON values with every default filled in: ``audits.submission.comparable_body``), and a conflict
otherwise. Concurrent twins of a mystery visit queue on their assignment's
row lock; any other race ends on the primary key (or the one-visit-per-assignment constraint):
the loser's transaction fails and a second pass answers it like a resent body.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.utils import timezone

from accounts.authentication import Caller
from accounts.models import Location, Organization, Role, User
from accounts.services import ensure_admin_remains, lock_organization, user_pseudonymise
from checklists.models import Checklist, ChecklistVersion
from core.events import EventType
from core.exceptions import DomainConflict, RetentionError
from core.orm import prefetched_set
from core.principal import organization_id_of
from core.tenancy import get_scoped_or_404, scope_rows
from core.validation import Problems

from . import geo, integrity
from .events import visit_event_publish
from .models import (
    Answer,
    Assignment,
    AssignmentStatus,
    HistoryAction,
    Visit,
    VisitFlag,
    VisitHistory,
    VisitKind,
    VisitStatus,
    VisitText,
)
from .periods import period_keys
from .rollups import contribution_moved, rollups_apply, visit_contribution
from .scoring import AnswerInput, VisitScore, score_visit
from .selectors import assignments_visible_to, visit_photo_facts, visits_visible_to
from .signals import visit_approved, visit_rejected
from .submission import (
    ParsedAnswer,
    VisitBody,
    canonical_hash,
    check_shape,
    comparable_hash,
    parse_answers,
    parse_visit_body,
)

REVIEW_DECISIONS = {
    "approve": (VisitStatus.APPROVED, HistoryAction.APPROVED),
    "return": (VisitStatus.RETURNED, HistoryAction.RETURNED),
    "reject": (VisitStatus.REJECTED, HistoryAction.REJECTED),
}


# --- helpers ----------------------------------------------------------------------------------


def _actor_fields(actor: Caller) -> dict[str, Any]:
    """Who did it, for a history row: a user, or the API key behind an integrator."""
    if actor.is_api_key:
        return {"actor": None, "actor_api_key": actor.api_key}
    return {"actor": actor, "actor_api_key": None}


def _is_reviewer(actor: Caller) -> bool:
    if actor.is_api_key:
        return actor.can_write
    return actor.role in (Role.ADMIN, Role.MANAGER)


# --- assignments ------------------------------------------------------------------------------


def assignments_expire(*, organization_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Flip open assignments past ``due_until`` (and with no visit) to ``expired``.

    Run lazily before assignments are read (and by the periodic task): the flip bumps
    ``updated_at`` so a phone syncing with ``updated_since`` sees the change.
    """
    now = now or timezone.now()
    rows = Assignment.objects.filter(status=AssignmentStatus.OPEN, due_until__lt=now, visit__isnull=True)
    if organization_id is not None:
        rows = rows.filter(organization_id=organization_id)
    return rows.update(status=AssignmentStatus.EXPIRED, updated_at=now)


def _resolve_checklist_version(
    *, organization_id: int, checklist_id: int | None, number: int | None, problems: Problems
) -> ChecklistVersion | None:
    if checklist_id is None:
        return None
    versions = ChecklistVersion.objects.select_related("checklist").filter(
        checklist_id=checklist_id, checklist__organization_id=organization_id
    )
    version = versions.filter(number=number).first() if number else versions.order_by("-number").first()
    if version is None:
        if number and Checklist.objects.filter(pk=checklist_id, organization_id=organization_id).exists():
            problems.add("checklist_version", "This checklist has no such version.", "does_not_exist")
        else:
            problems.add("checklist", "Unknown checklist.", "does_not_exist")
    return version


@transaction.atomic
def assignment_create(
    *,
    actor: Caller,
    location: int,
    checklist: int,
    auditor: int | None,
    due_from: dt.datetime,
    due_until: dt.datetime,
    checklist_version: int | None = None,
    instructions: str = "",
    fee: Decimal | None = None,
    expense_cap: Decimal | None = None,
    min_rating: Decimal | None = None,
    currency: str | None = None,
) -> Assignment:
    """Send an auditor to a location (admins: anywhere in the org; managers: their regions); without
    an auditor it is a job on the board (``fieldwork``), which an eligible auditor claims."""
    problems = Problems()
    org_id = organization_id_of(actor)
    site = scope_rows(Location.objects.all(), actor, location="").filter(pk=location).first()
    if site is None:
        problems.add("location", "Unknown location.", "does_not_exist")
    version = _resolve_checklist_version(
        organization_id=org_id, checklist_id=checklist, number=checklist_version, problems=problems
    )
    person = None
    if auditor is not None:
        person = User.objects.filter(
            pk=auditor, organization_id=org_id, role=Role.AUDITOR, is_active=True
        ).first()
        if person is None:
            problems.add("auditor", "Not an active auditor of this organization.", "does_not_exist")
        if min_rating is not None:
            problems.add("min_rating", "Only a job (no auditor) has a minimum rating.", "not_allowed")
    if due_from >= due_until:
        problems.add("due_until", "due_until must be after due_from.", "invalid_order")
    if currency is not None and currency != Organization.objects.get(pk=org_id).currency:
        problems.add("currency", "Not the organization's currency.", "currency_mismatch")
    problems.raise_if_any()
    assert site is not None and version is not None  # else a problem was raised
    return Assignment.objects.create(
        organization_id=org_id,
        location=site,
        checklist_id=version.checklist_id,
        checklist_version=version,
        auditor=person,
        is_job=person is None,
        fee=fee,
        expense_cap=expense_cap,
        min_rating=min_rating,
        due_from=due_from,
        due_until=due_until,
        instructions=instructions,
        created_by=actor.user_or_none(),
    )


@transaction.atomic
def assignment_update(*, actor: Caller, assignment_id: int, data: dict[str, Any]) -> Assignment:
    """Change an open assignment's window or instructions, or cancel it (409 unless open)."""
    assignments_expire(organization_id=actor.organization_id)
    assignment = get_scoped_or_404(
        assignments_visible_to(actor).select_for_update(of=("self",)), pk=assignment_id
    )
    if assignment.status != AssignmentStatus.OPEN:
        raise DomainConflict(
            f"Only an open assignment can be changed; this one is {assignment.status}.", code="not_open"
        )
    due_from = data.get("due_from", assignment.due_from)
    due_until = data.get("due_until", assignment.due_until)
    if due_from >= due_until:
        raise ValidationError(
            {"due_until": ValidationError("due_until must be after due_from.", code="invalid_order")}
        )
    assignment.due_from, assignment.due_until = due_from, due_until
    if "instructions" in data:
        assignment.instructions = data["instructions"]
    if data.get("status") == AssignmentStatus.CANCELLED:
        assignment.status = AssignmentStatus.CANCELLED
    assignment.save()
    return assignment


# --- visits: submission -----------------------------------------------------------------------


def _filled_in(visit: Visit) -> dict[str, Any]:
    """What the server fills in for a visit body that leaves them out (its assignment's, or the
    visit's own values): bodies that differ only there are the same body."""
    return {
        "id": str(visit.pk),
        "kind": visit.kind,
        "assignment": visit.assignment_id,
        "location": visit.location_id,
        "checklist": visit.checklist_id,
        "checklist_version": visit.checklist_version.number,
    }


def _same_body(stored_hash: str, data: Any, visit: Visit, *, stored_body: Any = None) -> bool:
    """``data`` says what the accepted body said. ``stored_body`` lets rows hashed before defaults
    were filled in (a raw canonical hash) be compared afresh."""
    body_hash = comparable_hash(data, _filled_in(visit))
    if stored_hash in (body_hash, canonical_hash(data)):
        return True
    return stored_body is not None and comparable_hash(stored_body, _filled_in(visit)) == body_hash


def _replay(existing: Visit, *, actor: Caller, data: Any) -> tuple[Visit, bool]:
    """The id exists: same submitter and same body answers the stored visit, anything else is 409.

    A visit of another organization (or another person) is never described: the conflict is opaque.
    """
    if existing.organization_id != actor.organization_id or existing.auditor_id != actor.pk:
        raise DomainConflict("This visit id is already taken; make a new one.", code="id_taken")
    if not _same_body(existing.request_hash, data, existing, stored_body=existing.request_body):
        raise DomainConflict(
            "A visit with this id exists with a different body; make a new id for a new visit.",
            code="idempotency_conflict",
        )
    return existing, False


def _check_role(body: VisitBody, actor: Caller, problems: Problems) -> None:
    role = actor.role
    if body.kind == VisitKind.MYSTERY and role != Role.AUDITOR:
        problems.add("kind", "Mystery visits are submitted by auditors.", "not_allowed")
    elif body.kind == VisitKind.SELF_ASSESSMENT and role != Role.STAFF:
        problems.add("kind", "Self-assessments are submitted by location staff.", "not_allowed")


# What a visit is made for: its assignment (mystery visits only), its location and checklist version.
_Target = tuple[Assignment | None, Location | None, ChecklistVersion | None]


def _resolve_mystery(body: VisitBody, actor: Caller, problems: Problems) -> _Target:
    """The auditor's own assignment (locked), and its location and version."""
    if body.assignment is None:
        problems.add("assignment", "Mystery visits are made for an assignment.", "required")
        return None, None, None
    rows = Assignment.objects.select_for_update(of=("self",)).select_related(
        "location", "checklist_version__checklist"
    )
    if body.id is not None:
        # Whether the id is taken comes in the same round trip (read before any wait for the lock).
        rows = rows.annotate(id_taken=Exists(Visit.objects.filter(pk=body.id)))
    try:
        # By primary key: no ordering to compile (``first()`` would add one).
        assignment = rows.order_by().get(
            pk=body.assignment, organization_id=organization_id_of(actor), auditor_id=actor.pk
        )
    except Assignment.DoesNotExist:
        assignment = None
    if assignment is None:
        problems.add("assignment", "Unknown assignment.", "does_not_exist")
        return None, None, None
    version = assignment.checklist_version
    if body.location is not None and body.location != assignment.location_id:
        problems.add("location", "Does not match the assignment's location.", "mismatch")
    if body.checklist is not None and body.checklist != assignment.checklist_id:
        problems.add("checklist", "Does not match the assignment's checklist.", "mismatch")
    if body.checklist_version is not None and body.checklist_version != version.number:
        problems.add("checklist_version", "Does not match the assignment's checklist version.", "mismatch")
    return assignment, assignment.location, version


def _resolve_self_assessment(body: VisitBody, actor: Caller, problems: Problems) -> _Target:
    """Staff rate one of their own locations on any of the organization's checklists."""
    if body.assignment is not None:
        problems.add("assignment", "Self-assessments are made without an assignment.", "not_allowed")
    site = None
    org_id = organization_id_of(actor)
    if body.location is None:
        problems.add("location", "This field is required.", "required")
    else:
        site = Location.objects.filter(pk=body.location, organization_id=org_id, staff=actor.pk).first()
        if site is None:
            problems.add("location", "Unknown location.", "does_not_exist")
    if body.checklist is None:
        problems.add("checklist", "This field is required.", "required")
    version = _resolve_checklist_version(
        organization_id=org_id,
        checklist_id=body.checklist,
        number=body.checklist_version,
        problems=problems,
    )
    return None, site, version


def _check_expenses(body: VisitBody, assignment: Assignment | None, problems: Problems) -> None:
    """Expenses are for a job with an ``expense_cap``, at most that, in the organization's currency."""
    if body.expenses_amount is None:
        return
    if assignment is None or assignment.expense_cap is None:
        problems.add("expenses", "This visit's assignment takes no expenses.", "not_allowed")
        return
    if body.expenses_amount > assignment.expense_cap:
        problems.add(
            "expenses.amount", f"At most the job's expense_cap, {assignment.expense_cap}.", "max_value"
        )
    currency = Organization.objects.filter(pk=assignment.organization_id).values_list("currency", flat=True)
    if body.expenses_currency is not None and body.expenses_currency != currency.first():
        problems.add("expenses.currency", "Not the organization's currency.", "currency_mismatch")


def _score(version: ChecklistVersion, answers: list[ParsedAnswer]) -> VisitScore:
    inputs = {answer.item_key: AnswerInput(value=answer.value, na=answer.na) for answer in answers}
    return score_visit(version.sections, inputs, version.pass_threshold)


def _apply(
    visit: Visit, *, body: VisitBody, site: Location, assignment: Assignment | None, result: VisitScore
) -> None:
    """Set everything a visit derives from its body: times, place, flags, period keys, scores."""
    # Both times are required: a body without them was refused before it got here.
    assert body.started_at is not None and body.ended_at is not None
    keys = period_keys(body.started_at, site.timezone)
    visit.started_at, visit.ended_at = body.started_at, body.ended_at
    visit.latitude, visit.longitude, visit.accuracy_m = body.latitude, body.longitude, body.accuracy_m
    visit.mock_location = body.mock
    visit.notes = body.notes
    visit.expenses_amount, visit.expenses_note = body.expenses_amount, body.expenses_note
    visit.off_site = geo.is_off_site(
        latitude=body.latitude,
        longitude=body.longitude,
        site_lat=site.latitude,
        site_lon=site.longitude,
        radius_m=site.geofence_m,
    )
    visit.outside_window = assignment is not None and not (
        assignment.due_from <= body.started_at <= assignment.due_until
    )
    visit.local_date, visit.week_start = keys.local_date, keys.week_start
    visit.month_start, visit.quarter_start = keys.month_start, keys.quarter_start
    visit.score = None if result.rounded is None else float(result.rounded)
    visit.passed = result.passed
    visit.critical_failures = list(result.critical_failures)
    visit.hidden_items = list(result.hidden_items)
    visit.unanswered_items = list(result.unanswered_items)
    visit.section_scores = [
        {"key": s.key, "score": None if s.rounded is None else float(s.rounded)} for s in result.sections
    ]


def _answer_rows(visit: Visit, answers: list[ParsedAnswer], result: VisitScore) -> list[Answer]:
    rows = []
    items = result.items
    for answer in answers:
        item = items.get(answer.item_key)
        score = None if item is None or item.score is None else float(item.score)
        rows.append(
            Answer(
                visit_id=visit.pk,
                position=answer.position,
                section_key=answer.section_key,
                item_key=answer.item_key,
                value=None if answer.na else answer.value,
                na=answer.na,
                comment=answer.comment,
                score=score,
            )
        )
    return Answer.objects.bulk_insert(rows)


# --- visits: integrity flags ------------------------------------------------------------------


def _set_flags(visit: Visit, flags: list[integrity.Flag]) -> None:
    visit.flags = flags
    visit.risk = len(flags)
    visit.queue_key = integrity.queue_key(visit.risk, visit.started_at, visit.pk)


@dataclass
class _Texts:
    """A visit's long texts (digests) and the other visits of its auditor that share one."""

    digests: set[str]
    others: set[Any]


def _flags_compute(
    visit: Visit,
    *,
    result: VisitScore,
    answers: list[ParsedAnswer],
    min_duration: int | None,
    received_at: dt.datetime,
    photos: integrity.PhotoFacts,
) -> _Texts:
    """Set the visit's flags from its body, scores and photos (before it is saved)."""
    digests = integrity.text_digests([visit.notes, *(answer.comment for answer in answers)])
    shared: list[tuple[Any, str]] = []
    if digests and visit.auditor_id is not None:
        # One indexed query (auditor, digest): which of these texts another visit of theirs has.
        shared = list(
            VisitText.objects.filter(auditor_id=visit.auditor_id, digest__in=digests)
            .exclude(visit_id=visit.pk)
            .values_list("visit_id", "digest")
        )
    facts = integrity.VisitFacts(
        started_at=visit.started_at,
        ended_at=visit.ended_at,
        received_at=received_at,
        off_site=visit.off_site,
        outside_window=visit.outside_window,
        mock_location=visit.mock_location,
        min_duration_minutes=min_duration,
        item_scores=[float(item.score) for item in result.items.values() if item.score is not None],
        duplicate_texts=len({digest for _, digest in shared}),
        photos=photos,
    )
    _set_flags(visit, integrity.visit_flags(facts))
    return _Texts(digests=digests, others={visit_id for visit_id, _ in shared})


def _flags_store(visit: Visit, texts: _Texts, *, replace: bool) -> None:
    """Write the saved visit's flag rows and text digests; flag the other visits sharing a text."""
    if replace:
        VisitFlag.objects.filter(visit=visit).delete()
        VisitText.objects.filter(visit=visit).delete()
    if visit.flags:
        VisitFlag.objects.bulk_create([VisitFlag(visit=visit, code=flag["code"]) for flag in visit.flags])
    if texts.digests and visit.auditor_id is not None:
        VisitText.objects.bulk_create(
            [
                VisitText(visit=visit, auditor_id=visit.auditor_id, digest=digest)
                for digest in sorted(texts.digests)
            ]
        )
    if texts.others:
        _flag_duplicates(texts.others)


def _flag_duplicates(visit_ids: set[Any]) -> None:
    """The other side of ``duplicate_text``: the earlier visits holding the same text get it too."""
    flag = {"code": "duplicate_text", "detail": integrity.DUPLICATE_TEXT_DETAIL}
    others = (
        Visit.objects.filter(pk__in=visit_ids)
        .exclude(flag_rows__code="duplicate_text")
        .only("id", "flags", "risk", "started_at")
    )
    for other in others:
        _set_flags(other, integrity.merge_flags(other.flags or [], (), [flag]))
        other.save(update_fields=["flags", "risk", "queue_key"])
        VisitFlag.objects.create(visit=other, code="duplicate_text")


def visit_photo_flags_refresh(*, visit_id: Any) -> None:
    """Recompute ``reused_photo`` and ``photo_time_mismatch`` after a photo of the visit was stored
    (called by ``photos`` in the photo's transaction, under its lock on the visit)."""
    visit = Visit.objects.only("id", "flags", "risk", "started_at", "ended_at").get(pk=visit_id)
    new = integrity.photo_flags(visit.started_at, visit.ended_at, visit_photo_facts(visit_id))
    flags = integrity.merge_flags(visit.flags or [], integrity.PHOTO_FLAGS, new)
    if flags == visit.flags:
        return
    _set_flags(visit, flags)
    visit.save(update_fields=["flags", "risk", "queue_key"])
    VisitFlag.objects.filter(visit_id=visit_id, code__in=integrity.PHOTO_FLAGS).delete()
    VisitFlag.objects.bulk_create([VisitFlag(visit_id=visit_id, code=flag["code"]) for flag in new])


def visit_score_flags_refresh(*, visit: Visit) -> None:
    """Recompute the flags that depend on item scores (``straight_lining``) after a re-score stored
    new answer scores (called by ``disputes`` in the decision's transaction, the visit locked)."""
    scores = [score for score in visit.answers.values_list("score", flat=True) if score is not None]
    new = integrity.score_flags(scores)
    flags = integrity.merge_flags(visit.flags or [], integrity.SCORE_FLAGS, new)
    if flags == visit.flags:
        return
    _set_flags(visit, flags)
    visit.save(update_fields=["flags", "risk", "queue_key"])
    VisitFlag.objects.filter(visit=visit, code__in=integrity.SCORE_FLAGS).delete()
    VisitFlag.objects.bulk_create([VisitFlag(visit=visit, code=flag["code"]) for flag in new])


def visit_submit(*, actor: Caller, data: Any, now: dt.datetime | None = None) -> tuple[Visit, bool]:
    """Validate, score and store a visit body as the phone sent it; returns ``(visit, created)``.

    ``data`` is the parsed JSON body. Every problem is reported at once as a ``ValidationError``
    keyed by field path. Resending the same id and body returns the stored visit with
    ``created=False``; the same id with another body raises ``DomainConflict``.
    """
    now = now or timezone.now()
    try:
        return _submit(actor=actor, data=data, now=now)
    except IntegrityError:
        # A concurrent twin won the race for this id (or this assignment) and has committed: a
        # second pass finds it and answers as for any resent body (200, or 409).
        return _submit(actor=actor, data=data, now=now)


@transaction.atomic
def _submit(*, actor: Caller, data: Any, now: dt.datetime) -> tuple[Visit, bool]:
    check_shape(data)
    problems = Problems()
    body = parse_visit_body(data, now=now, problems=problems)
    _check_role(body, actor, problems)
    assignment = site = version = None
    if body.kind == VisitKind.MYSTERY and "kind" not in problems:
        # Locks the assignment first: a twin sent with the same id waits here until we commit.
        assignment, site, version = _resolve_mystery(body, actor, problems)

    # A resent body gets the stored visit before it is judged again. With the assignment locked, its
    # query said whether the id was taken; a twin that committed while we waited for the lock shows
    # as a submitted assignment, so look then too.
    if body.id is not None and (
        assignment is None
        or assignment.id_taken  # type: ignore[attr-defined]  # annotated by _resolve_mystery when body.id is set
        or assignment.status == AssignmentStatus.SUBMITTED
    ):
        existing = Visit.objects.filter(pk=body.id).first()
        if existing is not None:
            return _replay(existing, actor=actor, data=data)

    if body.kind == VisitKind.SELF_ASSESSMENT and "kind" not in problems:
        assignment, site, version = _resolve_self_assessment(body, actor, problems)
    answers = parse_answers(body.answers, version.sections, problems) if version is not None else []
    _check_expenses(body, assignment, problems)
    if assignment is not None:
        if assignment.status == AssignmentStatus.CANCELLED:
            raise DomainConflict("This assignment was cancelled.", code="assignment_cancelled")
        if assignment.status == AssignmentStatus.SUBMITTED:
            raise DomainConflict("This assignment already has a visit.", code="assignment_submitted")
    problems.raise_if_any()
    assert body.kind is not None and site is not None and version is not None  # else a problem was raised

    result = _score(version, answers)
    visit = Visit(
        id=body.id,
        organization_id=organization_id_of(actor),
        location=site,
        assignment=assignment,
        checklist_id=version.checklist_id,
        checklist_version=version,
        kind=body.kind,
        status=VisitStatus.SUBMITTED,
        auditor=actor.user_or_none(),  # a person: ``_check_role`` refused anyone else
        request_body=data,
    )
    visit.request_hash = comparable_hash(data, _filled_in(visit))
    _apply(visit, body=body, site=site, assignment=assignment, result=result)
    texts = _flags_compute(
        visit,
        result=result,
        answers=answers,
        min_duration=version.checklist.min_duration_minutes,
        received_at=now,
        photos=integrity.PhotoFacts(),  # a new visit has no photos yet
    )
    visit.save(force_insert=True)  # the primary key and the one-visit-per-assignment constraint race here

    prefetched_set(visit, "answers", _answer_rows(visit, answers, result))
    rollups_apply(before=None, after=visit_contribution(visit, answers=visit.answers.all()))
    _flags_store(visit, texts, replace=False)
    prefetched_set(visit, "photos", [])
    VisitHistory.objects.create(
        visit=visit,
        action=HistoryAction.SUBMITTED,
        changes={"status": [None, VisitStatus.SUBMITTED], "score": [None, visit.score]},
        **_actor_fields(actor),
    )
    if assignment is not None:
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.SUBMITTED, updated_at=now)
        assignment.status, assignment.updated_at = AssignmentStatus.SUBMITTED, now
    visit_event_publish(visit, EventType.VISIT_SUBMITTED)
    return visit, True


# --- visits: revision and review --------------------------------------------------------------


@transaction.atomic
def visit_revise(*, actor: Caller, visit_id: object, data: Any, now: dt.datetime | None = None) -> Visit:
    """Its submitter corrects a returned visit: re-validated and re-scored on the same version.

    Sending the same corrected body again (after it was accepted) returns the visit unchanged.
    """
    now = now or timezone.now()
    visit = get_scoped_or_404(
        visits_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("location", "checklist_version__checklist"),
        pk=visit_id,
    )
    if actor.is_api_key or visit.auditor_id != actor.pk:
        raise PermissionDenied("Only the visit's own auditor may revise it.")
    check_shape(data)
    if (
        visit.status == VisitStatus.SUBMITTED
        and visit.revision_hash
        and _same_body(visit.revision_hash, data, visit)
    ):
        return visit
    if visit.status != VisitStatus.RETURNED:
        raise DomainConflict(
            f"Only a returned visit can be revised; this one is {visit.status}.", code="not_returned"
        )

    counted_before = visit_contribution(visit)  # none: a returned visit is not counted
    problems = Problems()
    body = parse_visit_body(data, now=now, problems=problems, revising=True)
    if body.id is not None and body.id != visit.pk:
        problems.add("id", "Does not match the visit in the URL.", "mismatch")
    for name, stored in (
        ("kind", visit.kind),
        ("assignment", visit.assignment_id),
        ("location", visit.location_id),
        ("checklist", visit.checklist_id),
        ("checklist_version", visit.checklist_version.number),
    ):
        sent = getattr(body, name)
        if sent is not None and sent != stored:
            problems.add(name, "A revision keeps the visit's original value.", "immutable")
    answers = parse_answers(body.answers, visit.checklist_version.sections, problems)
    assignment = visit.assignment if visit.assignment_id else None
    _check_expenses(body, assignment, problems)
    problems.raise_if_any()

    result = _score(visit.checklist_version, answers)
    old_score = visit.score
    _apply(visit, body=body, site=visit.location, assignment=assignment, result=result)
    texts = _flags_compute(
        visit,
        result=result,
        answers=answers,
        min_duration=visit.checklist_version.checklist.min_duration_minutes,
        received_at=visit.created_at,  # when it was first received: a correction is not late
        photos=visit_photo_facts(visit.pk),
    )
    visit.status = VisitStatus.SUBMITTED
    visit.revision_hash = comparable_hash(data, _filled_in(visit))
    visit.save()
    visit.answers.all().delete()
    prefetched_set(visit, "answers", _answer_rows(visit, answers, result))
    rollups_apply(before=counted_before, after=visit_contribution(visit, answers=visit.answers.all()))
    _flags_store(visit, texts, replace=True)
    VisitHistory.objects.create(
        visit=visit,
        action=HistoryAction.REVISED,
        changes={"status": [VisitStatus.RETURNED, VisitStatus.SUBMITTED], "score": [old_score, visit.score]},
        **_actor_fields(actor),
    )
    visit_event_publish(visit, EventType.VISIT_REVISED)
    return visit


@transaction.atomic
def visit_review(
    *, actor: Caller, visit_id: object, decision: str, comment: str = "", now: dt.datetime | None = None
) -> Visit:
    """Approve, return (with a comment) or reject a submitted visit (admins, managers in scope).

    ``now`` is when the approval counts as made for what follows from it (corrective actions' due
    dates); the demo data backdates it.
    """
    visit = get_scoped_or_404(
        visits_visible_to(actor).select_for_update(of=("self",)).select_related("checklist_version"),
        pk=visit_id,
    )
    if not _is_reviewer(actor):
        raise PermissionDenied("Only admins and managers review visits.")
    if decision not in REVIEW_DECISIONS:
        raise ValidationError(
            {"decision": ValidationError("One of approve, return, reject.", code="invalid_choice")}
        )
    comment = (comment or "").strip()
    if decision == "return" and not comment:
        raise ValidationError(
            {"comment": ValidationError("Say what to correct when returning a visit.", code="required")}
        )
    if visit.status != VisitStatus.SUBMITTED:
        raise DomainConflict(
            f"Only a submitted visit can be reviewed; this one is {visit.status}.", code="invalid_transition"
        )
    new_status, action = REVIEW_DECISIONS[decision]
    old_status = visit.status
    counted_before = visit_contribution(visit)
    visit.status = new_status
    visit.save(update_fields=["status", "updated_at"])
    rollups_apply(before=counted_before, after=contribution_moved(counted_before, new_status))
    changes: dict[str, Any] = {"status": [old_status, new_status]}
    if comment:
        changes["comment"] = comment
    VisitHistory.objects.create(visit=visit, action=action, changes=changes, **_actor_fields(actor))
    visit_event_publish(visit, EventType.VISIT_REVIEWED)
    if new_status == VisitStatus.APPROVED:
        visit_approved.send(sender=Visit, visit=visit, actor=actor, now=now or timezone.now())
    elif new_status == VisitStatus.REJECTED:
        visit_rejected.send(sender=Visit, visit=visit, actor=actor, now=now or timezone.now())
    return visit


# --- retention: forgetting a departed auditor ---------------------------------------------------
#
# Forgetting pseudonymises a person instead of deleting them: their visits, answers and history
# are the organization's records and stay (reports do not change), but everything that says who
# the person was is erased (``accounts.services.user_pseudonymise``). The user row survives as
# ``deleted-<id>`` so that "the same auditor submitted and later revised this visit" still holds.


@dataclass(frozen=True)
class ForgetResult:
    user_id: int
    username: str
    already_forgotten: bool
    visits_kept: int
    history_entries: int
    assignments_cancelled: int


@transaction.atomic
def auditor_forget(*, user: User, allow_any_role: bool = False) -> ForgetResult:
    """Erase a departed person's personal data; keep their visits under a pseudonym.

    Clears names and e-mail, makes the password unusable, deactivates the account (outstanding
    JWTs stop working: simplejwt refuses inactive users), drops their region and location scopes
    and cancels their still-open assignments so that managers can send someone else.
    Running it again on a forgotten user changes nothing.
    """
    lock_organization(user.organization_id)  # as every path that may take an admin away
    # NO KEY: rows that merely refer to the person (visits, tokens) may still be written meanwhile.
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    if user.role != Role.AUDITOR and not allow_any_role:
        raise RetentionError(
            f"User {user.pk} is a {user.role}, not an auditor; pass --any-role to forget them anyway."
        )
    if user.is_superuser:
        raise RetentionError("Refusing to forget a superuser; remove the superuser flag first.")

    visits_kept = user.visits.count()
    history_entries = _history_entries_of(user)
    if user.pseudonymised_at is not None:
        return ForgetResult(user.pk, user.username, True, visits_kept, history_entries, 0)
    if user.role == Role.ADMIN and user.is_active:
        try:
            ensure_admin_remains(organization_id=user.organization_id, leaving=[user.pk])
        except DomainConflict as exc:
            raise RetentionError(f"Refusing to forget user {user.pk}: {exc.message}")

    user_pseudonymise(user=user)
    # Open assignments would otherwise wait forever for someone who has left; cancelling bumps
    # updated_at, so phones and tools syncing with ?updated_since= see the change.
    assignments_cancelled = Assignment.objects.filter(auditor=user, status=AssignmentStatus.OPEN).update(
        status=AssignmentStatus.CANCELLED, updated_at=timezone.now()
    )
    return ForgetResult(user.pk, user.username, False, visits_kept, history_entries, assignments_cancelled)


def _history_entries_of(user: User) -> int:
    # History rows keep pointing at the (now pseudonymous) user: the actor renders as
    # "deleted-<id>" and the trail of who did what to a visit stays consistent.
    return VisitHistory.objects.filter(actor=user).count()
