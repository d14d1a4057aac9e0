"""Writes for disputes: open one (idempotent on its client-made id), add evidence, decide it.

Every write locks the disputed visit's row first (then the dispute's), exactly as reviews and
revisions lock it, so a dispute opened while a review happens, or two decisions at once, are
serialized: each sees the other's committed result. Nothing is half-written: a request is checked
whole before anything is stored, and each service is one transaction with its webhook event.

Rescoring reuses the scoring core (``audits.scoring.score_visit``) on the visit's answers with the
upheld items' proposed answers, updates the stored visit and answer scores that every report and
the export read, keeps the score before the first upheld dispute in ``Visit.original_score`` and
records a ``rescored`` history entry with the exact changes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.authentication import Caller
from audits.models import Answer, HistoryAction, Visit, VisitHistory, VisitKind, VisitStatus
from audits.rendering import rounded
from audits.rollups import rollups_apply, visit_contribution
from audits.scoring import SCORED_TYPES, AnswerInput, VisitScore, score_visit
from audits.selectors import visits_visible_to
from audits.services import visit_score_flags_refresh
from audits.signals import visit_rescored
from audits.submission import (
    canonical_hash,
    check_na_or_value,
    check_shape,
    may_hold_unstorable,
    parse_visit_id,
    printable_key,
    unstorable_strings,
)
from checklists.definition import items_by_key
from core.exceptions import DomainConflict
from core.orm import prefetched_set
from core.roles import Role
from core.tenancy import get_scoped_or_404
from core.validation import Problems
from photos.services import Evidence, PhotoAddResult, photo_add

from .events import dispute_decided_publish, dispute_opened_publish
from .models import Dispute, DisputeItem, DisputeStatus, ItemDecision
from .rendering import MAX_TEXT
from .selectors import disputes_visible_to

DISPUTABLE_STATUSES = (VisitStatus.SUBMITTED, VisitStatus.APPROVED)
OPEN_FIELDS = frozenset({"id", "comment", "items"})
ITEM_FIELDS = frozenset({"item", "reason", "proposed"})
PROPOSED_FIELDS = frozenset({"value", "na"})
DECISION_FIELDS = frozenset({"comment", "items"})
DECISION_ITEM_FIELDS = frozenset({"item", "decision"})


# --- who may do what ------------------------------------------------------------------------


def may_dispute(actor: Caller) -> bool:
    """Staff, managers and admins (within what they see) and ``write`` API keys open disputes."""
    if actor.is_api_key:
        return actor.can_write
    return actor.role in (Role.ADMIN, Role.MANAGER, Role.STAFF)


def _may_decide(actor: Caller) -> bool:
    if actor.is_api_key:
        return actor.can_write
    return actor.role in (Role.ADMIN, Role.MANAGER)


def _is_opener(actor: Caller, dispute: Dispute) -> bool:
    if actor.is_api_key:
        return dispute.created_by_api_key_id == actor.api_key.pk
    return dispute.created_by_id is not None and dispute.created_by_id == actor.pk


def _who(actor: Caller, prefix: str) -> dict[str, Any]:
    if actor.is_api_key:
        return {f"{prefix}": None, f"{prefix}_api_key": actor.api_key}
    return {f"{prefix}": actor, f"{prefix}_api_key": None}


def hidden_items(visit: Visit) -> set[str]:
    """Items the visit's ``show_if`` logic hides (stored on the visit when it was scored)."""
    return set(visit.hidden_items or [])


def is_scored_item(item: Mapping[str, Any]) -> bool:
    """Whether an answer to ``item`` can carry a score (``number`` only with a bound)."""
    kind = item.get("type")
    if kind not in SCORED_TYPES:
        return False
    if kind == "number":
        return item.get("pass_min") is not None or item.get("pass_max") is not None
    return True


# --- opening ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedItem:
    position: int
    item_key: str
    reason: str
    value: Any
    na: bool


def dispute_open(
    *, actor: Caller, visit_id: object, data: Any, now: dt.datetime | None = None
) -> tuple[Dispute, bool]:
    """Open a dispute on a visit; returns ``(dispute, created)``.

    The same id with the same body answers the stored dispute (``created=False``), whatever
    happened to it since; the same id with another body, or used elsewhere, is a 409.
    """
    now = now or timezone.now()
    try:
        return _open(actor=actor, visit_id=visit_id, data=data, now=now)
    except IntegrityError:
        # A concurrent twin took this id (on another visit): answer as for a resent body.
        return _open(actor=actor, visit_id=visit_id, data=data, now=now)


@transaction.atomic
def _open(*, actor: Caller, visit_id: object, data: Any, now: dt.datetime) -> tuple[Dispute, bool]:
    visit = get_scoped_or_404(
        visits_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("checklist_version", "organization"),
        pk=visit_id,
    )
    if not may_dispute(actor):
        raise PermissionDenied("Location staff, their region's managers and admins dispute visits.")
    check_shape(data)
    problems = Problems()
    if not isinstance(data, Mapping):
        problems.add("non_field_errors", "A JSON object is required.", "invalid")
        problems.raise_if_any()
    dispute_id = parse_visit_id(data.get("id"))
    if dispute_id is None:
        problems.add("id", "A UUID made by the client is required.", "invalid")
    else:
        existing = Dispute.objects.filter(pk=dispute_id).first()
        if existing is not None:
            return _replay(existing, actor=actor, visit=visit, body_hash=canonical_hash(data)), False

    _check_disputable(visit, now)
    comment, proposals = _parse_open_body(data, visit, problems)
    problems.raise_if_any()
    _check_not_disputed_before(visit, proposals)

    answers = {answer.item_key: answer for answer in visit.answers.all()}
    dispute = Dispute.objects.create(
        id=dispute_id,
        organization_id=visit.organization_id,
        visit=visit,
        location_id=visit.location_id,
        status=DisputeStatus.OPEN,
        comment=comment,
        opened_at=now,
        created_by_role=actor.role,
        request_hash=canonical_hash(data),
        **_who(actor, "created_by"),
    )
    rows = []
    for proposal in proposals:
        answer = answers.get(proposal.item_key)
        rows.append(
            DisputeItem(
                dispute=dispute,
                visit=visit,
                position=proposal.position,
                item_key=proposal.item_key,
                reason=proposal.reason,
                proposed_value=proposal.value,
                proposed_na=proposal.na,
                original_value=None if answer is None else answer.value,
                original_na=False if answer is None else answer.na,
                original_score=None if answer is None else answer.score,
            )
        )
    prefetched_set(dispute, "items", DisputeItem.objects.bulk_create(rows))
    dispute_opened_publish(dispute)
    return dispute, True


def _replay(existing: Dispute, *, actor: Caller, visit: Visit, body_hash: str) -> Dispute:
    """A known id: the same caller's same body on the same visit is the stored dispute; else 409.

    Another caller's (or organization's) dispute is never described: the conflict is opaque.
    """
    if (
        existing.organization_id != actor.organization_id
        or existing.visit_id != visit.pk
        or not _is_opener(actor, existing)
    ):
        raise DomainConflict("This dispute id is already taken; make a new one.", code="id_taken")
    if existing.request_hash != body_hash:
        raise DomainConflict(
            "A dispute with this id exists with a different body; make a new id for a new dispute.",
            code="idempotency_conflict",
        )
    return existing


def _check_disputable(visit: Visit, now: dt.datetime) -> None:
    if visit.kind != VisitKind.MYSTERY:
        raise DomainConflict("Only mystery visits can be disputed.", code="not_disputable")
    if visit.status not in DISPUTABLE_STATUSES:
        raise DomainConflict(
            f"Only a submitted or approved visit can be disputed; this one is {visit.status}.",
            code="not_disputable",
        )
    days = visit.organization.dispute_window_days
    if now > visit.created_at + dt.timedelta(days=days):
        raise DomainConflict(
            f"Visits can be disputed within {days} days of their submission.", code="dispute_window_closed"
        )
    if Dispute.objects.filter(visit=visit, status=DisputeStatus.OPEN).exists():
        raise DomainConflict(
            "This visit already has an open dispute; add to it or wait for its decision.",
            code="dispute_already_open",
        )


def _text(raw: Any, path: str, problems: Problems, *, required: bool) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        problems.add(path, "A string is required.", "invalid_type")
        return ""
    if required and not raw.strip():
        problems.add(path, "This field may not be blank.", "blank")
    elif len(raw) > MAX_TEXT:
        problems.add(path, f"At most {MAX_TEXT} characters.", "max_length")
    return raw


def _unknown(raw: Mapping[str, Any], allowed: frozenset[str], prefix: str, problems: Problems) -> None:
    for key in sorted(printable_key(k) for k in set(raw) - allowed):
        problems.add(f"{prefix}{key}", "Unknown field.", "unknown_field")


def _same_answer(value: Any, na: bool, answer: Answer | None) -> bool:
    if answer is None:
        return False
    return na == answer.na and canonical_hash(value) == canonical_hash(answer.value)


def _parse_open_body(
    data: Mapping[str, Any], visit: Visit, problems: Problems
) -> tuple[str, list[ProposedItem]]:
    if may_hold_unstorable(data):
        for path in unstorable_strings(data):
            problems.add(path, "NUL characters and lone surrogates are not allowed.", "invalid_characters")
    _unknown(data, OPEN_FIELDS, "", problems)
    comment = _text(data.get("comment"), "comment", problems, required=False)
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.add("items", "A non-empty list of disputed items is required.", "required")
        return comment, []
    known = items_by_key(visit.checklist_version.sections)
    context = _OpenContext(
        known=known,
        hidden=hidden_items(visit),
        answers={answer.item_key: answer for answer in visit.answers.all()},
        seen=set(),
    )
    proposals = []
    for index, raw in enumerate(raw_items[: len(known) + 1]):
        proposal = _proposal(raw, index, context, problems)
        if proposal is not None:
            proposals.append(proposal)
    if len(raw_items) > len(known):
        problems.add("items", f"At most {len(known)} items.", "max_length")
    return comment, proposals


@dataclass
class _OpenContext:
    """What every disputed item is checked against: the version's items and the visit's answers."""

    known: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]
    hidden: set[str]
    answers: dict[str, Answer]
    seen: set[str]


def _proposal(raw: Any, index: int, context: _OpenContext, problems: Problems) -> ProposedItem | None:
    """One disputed item, or None (with its problems)."""
    path = f"items.{index}"
    if not isinstance(raw, Mapping):
        problems.add(path, "An object {item, reason, proposed} is required.", "invalid")
        return None
    _unknown(raw, ITEM_FIELDS, f"{path}.", problems)
    key: Any = raw.get("item")  # a str once ``_disputable_item`` accepts it
    reason = _text(raw.get("reason"), f"{path}.reason", problems, required=True)
    item = _disputable_item(key, path, context, problems)
    if item is None:
        return None
    proposed = raw.get("proposed")
    if not isinstance(proposed, Mapping):
        problems.add(f"{path}.proposed", "An object {value, na} is required.", "required")
        return None
    _unknown(proposed, PROPOSED_FIELDS, f"{path}.proposed.", problems)
    na = proposed.get("na", False)
    if na is None:
        na = False
    value = proposed.get("value")
    if not isinstance(na, bool):
        problems.add(f"{path}.proposed.na", "true or false is required.", "invalid_type")
        return None
    check_na_or_value(item, na, value, f"{path}.proposed", problems)
    if f"{path}.proposed.value" in problems or f"{path}.proposed.na" in problems:
        return None
    if _same_answer(value, na, context.answers.get(key)):
        problems.add(f"{path}.proposed", "This is the visit's answer already.", "unchanged")
        return None
    return ProposedItem(index, key, reason, None if na else value, na)


def _disputable_item(
    key: Any, path: str, context: _OpenContext, problems: Problems
) -> Mapping[str, Any] | None:
    """The checklist item ``key`` names, if it may be disputed (once, scored, shown); else None."""
    if not isinstance(key, str) or not key:
        problems.add(f"{path}.item", "An item key is required.", "required")
        return None
    if key not in context.known:
        problems.add(
            f"{path}.item", f"Unknown item '{printable_key(key)}' in this visit's checklist.", "unknown_item"
        )
        return None
    if key in context.seen:
        problems.add(f"{path}.item", f"Item '{key}' is listed more than once.", "duplicate_item")
        return None
    context.seen.add(key)
    _, item = context.known[key]
    if not is_scored_item(item):
        problems.add(
            f"{path}.item", f"Item '{key}' is not scored: there is nothing to dispute.", "unscored_item"
        )
        return None
    if key in context.hidden:
        problems.add(f"{path}.item", f"Item '{key}' is hidden on this visit.", "hidden_item")
        return None
    return item


def _check_not_disputed_before(visit: Visit, proposals: list[ProposedItem]) -> None:
    keys = {proposal.item_key for proposal in proposals}
    taken = set(DisputeItem.objects.filter(visit=visit, item_key__in=keys).values_list("item_key", flat=True))
    for proposal in proposals:
        if proposal.item_key in taken:
            raise DomainConflict(
                f"Item '{proposal.item_key}' of this visit was disputed before; an item is disputed once.",
                code="item_already_disputed",
                attr=f"items.{proposal.position}.item",
            )


# --- evidence ---------------------------------------------------------------------------------


def evidence_add(
    *, actor: Caller, dispute: Dispute, photo_id: uuid.UUID, item_key: str, image: IO[bytes]
) -> PhotoAddResult:
    """A photo for an open dispute, through the visit photos' pipeline (``photos.services.photo_add``)."""
    if not may_dispute(actor):
        raise PermissionDenied("Evidence is added by those who may dispute the visit.")
    evidence = Evidence(
        field="dispute",
        row=dispute,
        open_statuses=(DisputeStatus.OPEN,),
        closed_code="dispute_closed",
        item_keys=frozenset(dispute.item_keys),
    )
    return photo_add(
        actor=actor, visit=dispute.visit, photo_id=photo_id, item_key=item_key, image=image, evidence=evidence
    )


# --- decision ---------------------------------------------------------------------------------


@transaction.atomic
def dispute_decide(
    *, actor: Caller, dispute_id: object, data: Any, now: dt.datetime | None = None
) -> Dispute:
    """Decide every item of an open dispute at once; upheld items re-score the visit."""
    now = now or timezone.now()
    found = get_scoped_or_404(disputes_visible_to(actor).only("id", "visit_id"), pk=dispute_id)
    if not _may_decide(actor):
        raise PermissionDenied("Admins and the region's managers decide disputes.")
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("checklist_version")
        .get(pk=found.visit_id)
    )
    dispute = Dispute.objects.select_for_update().get(pk=found.pk)
    if _is_opener(actor, dispute):
        raise PermissionDenied("A dispute is decided by someone other than whoever opened it.")
    if dispute.status != DisputeStatus.OPEN:
        raise DomainConflict(f"This dispute was already decided ({dispute.status}).", code="dispute_decided")
    if visit.status == VisitStatus.RETURNED:
        raise DomainConflict(
            "The visit was returned to its auditor; decide once the correction is back.",
            code="visit_returned",
        )
    items = list(dispute.items.order_by("position"))
    check_shape(data)
    comment, decisions = _parse_decision(data, items)

    for item in items:
        item.decision = decisions[item.item_key]
    DisputeItem.objects.bulk_update(items, ["decision"])
    upheld = [item for item in items if item.decision == ItemDecision.UPHELD]
    changes = _rescore(visit=visit, upheld=upheld, actor=actor, dispute=dispute) if upheld else None

    if len(upheld) == len(items):
        dispute.status = DisputeStatus.UPHELD
    elif upheld:
        dispute.status = DisputeStatus.PARTIALLY_UPHELD
    else:
        dispute.status = DisputeStatus.REJECTED
    dispute.decided_at = now
    dispute.decision_comment = comment
    for name, value in _who(actor, "decided_by").items():
        setattr(dispute, name, value)
    dispute.save()
    prefetched_set(dispute, "items", items)
    dispute_decided_publish(dispute, rescored=changes)
    return dispute


def _parse_decision(data: Any, items: list[DisputeItem]) -> tuple[str, dict[str, str]]:
    problems = Problems()
    if not isinstance(data, Mapping):
        problems.add("non_field_errors", "A JSON object is required.", "invalid")
        problems.raise_if_any()
    if may_hold_unstorable(data):
        for path in unstorable_strings(data):
            problems.add(path, "NUL characters and lone surrogates are not allowed.", "invalid_characters")
    _unknown(data, DECISION_FIELDS, "", problems)
    comment = _text(data.get("comment"), "comment", problems, required=False)
    raw_items = data.get("items")
    disputed = [item.item_key for item in items]
    decisions: dict[str, str] = {}
    if not isinstance(raw_items, list):
        problems.add("items", "A list of {item, decision} is required.", "required")
        problems.raise_if_any()
    for index, raw in enumerate(raw_items[: len(disputed) + 1]):
        path = f"items.{index}"
        if not isinstance(raw, Mapping):
            problems.add(path, "An object {item, decision} is required.", "invalid")
            continue
        _unknown(raw, DECISION_ITEM_FIELDS, f"{path}.", problems)
        key, decision = raw.get("item"), raw.get("decision")
        if not isinstance(key, str) or key not in disputed:
            problems.add(f"{path}.item", "Not an item of this dispute.", "not_disputed")
        elif key in decisions:
            problems.add(f"{path}.item", f"Item '{key}' is decided more than once.", "duplicate_item")
        if decision not in ItemDecision.values:
            problems.add(f"{path}.decision", "One of upheld, rejected.", "invalid_choice")
        elif isinstance(key, str) and key in disputed and key not in decisions:
            decisions[key] = decision
    missing = [key for key in disputed if key not in decisions]
    if missing and not problems:
        problems.add(
            "items",
            f"Every disputed item is decided at once; undecided: {', '.join(missing)}.",
            "undecided_items",
        )
    problems.raise_if_any()
    return comment, decisions


def _as_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _answers_rescore(
    *, visit: Visit, rows: dict[str, Answer], upheld: list[DisputeItem], result: VisitScore
) -> dict[str, dict[str, Any]]:
    """Store the upheld answers and every answer score the re-score moved; returns their changes."""
    known = items_by_key(visit.checklist_version.sections)
    answer_changes: dict[str, dict[str, Any]] = {}
    changed: list[Answer] = []
    created: list[Answer] = []
    upheld_keys = {item.item_key for item in upheld}
    for item in upheld:
        row = rows.get(item.item_key)
        if row is None:  # an item left unanswered (shown by a re-score): it gets its answer now
            section, _ = known[item.item_key]
            row = Answer(
                visit=visit,
                position=max((r.position for r in rows.values()), default=-1) + 1 + len(created),
                section_key=str(section.get("key")),
                item_key=item.item_key,
                value=None,
                na=False,
                score=None,
            )
            created.append(row)
        new_score = _as_float(result.items[item.item_key].score)
        answer_changes[item.item_key] = {
            "value": [row.value, item.proposed_value],
            "na": [row.na, item.proposed_na],
            "score": [rounded(row.score, 4), rounded(new_score, 4)],
        }
        row.value, row.na, row.score = item.proposed_value, item.proposed_na, new_score
        if row not in created:
            changed.append(row)
    for key, row in rows.items():  # other answers whose score a re-score moves (show-if)
        if key in upheld_keys or key not in result.items:
            continue
        new_score = _as_float(result.items[key].score)
        if new_score != row.score:
            answer_changes[key] = {"score": [rounded(row.score, 4), rounded(new_score, 4)]}
            row.score = new_score
            changed.append(row)
    if changed:
        Answer.objects.bulk_update(changed, ["value", "na", "score"])
    if created:
        Answer.objects.bulk_create(created)
    return answer_changes


def _rescore(*, visit: Visit, upheld: list[DisputeItem], actor: Caller, dispute: Dispute) -> dict[str, Any]:
    """Apply the upheld answers, score the visit again and store what changed; returns the changes."""
    version = visit.checklist_version
    rows = {answer.item_key: answer for answer in visit.answers.all()}
    counted_before = visit_contribution(visit, answers=rows.values())
    inputs = {key: AnswerInput(value=row.value, na=row.na) for key, row in rows.items()}
    for item in upheld:
        inputs[item.item_key] = AnswerInput(value=item.proposed_value, na=item.proposed_na)
    # Stored answers to items the new answers hide are left out of scoring (``drop_hidden``).
    result = score_visit(version.sections, inputs, version.pass_threshold, drop_hidden=True)

    answer_changes = _answers_rescore(visit=visit, rows=rows, upheld=upheld, result=result)

    before: dict[str, Any] = {
        "score": visit.score,
        "passed": visit.passed,
        "critical_failures": list(visit.critical_failures or []),
        "sections": list(visit.section_scores or []),
        "hidden_items": list(visit.hidden_items or []),
        "unanswered_items": list(visit.unanswered_items or []),
    }
    visit.score = None if result.rounded is None else float(result.rounded)
    visit.passed = result.passed
    visit.critical_failures = list(result.critical_failures)
    visit.hidden_items = list(result.hidden_items)
    visit.unanswered_items = list(result.unanswered_items)
    visit.section_scores = [
        {"key": s.key, "score": None if s.rounded is None else float(s.rounded)} for s in result.sections
    ]
    if visit.original_score is None:
        visit.original_score = before["score"]
    visit.save(
        update_fields=[
            "score",
            "passed",
            "critical_failures",
            "section_scores",
            "hidden_items",
            "unanswered_items",
            "original_score",
            "updated_at",
        ]
    )
    after = {
        "score": visit.score,
        "passed": visit.passed,
        "critical_failures": visit.critical_failures,
        "sections": visit.section_scores,
        "hidden_items": visit.hidden_items,
        "unanswered_items": visit.unanswered_items,
    }
    changes: dict[str, Any] = {"dispute": str(dispute.pk), "score": [before["score"], after["score"]]}
    for name in ("passed", "critical_failures", "sections", "hidden_items", "unanswered_items"):
        if before[name] != after[name]:
            changes[name] = [before[name], after[name]]
    changes["answers"] = answer_changes
    VisitHistory.objects.create(
        visit=visit, action=HistoryAction.RESCORED, changes=changes, **_history_actor(actor)
    )
    visit_score_flags_refresh(visit=visit)
    rollups_apply(before=counted_before, after=visit_contribution(visit))
    visit_rescored.send(sender=Visit, visit=visit, actor=actor)
    return changes


def _history_actor(actor: Caller) -> dict[str, Any]:
    if actor.is_api_key:
        return {"actor": None, "actor_api_key": actor.api_key}
    return {"actor": actor, "actor_api_key": None}
