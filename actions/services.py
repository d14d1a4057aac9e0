"""Writes for corrective actions: made by approvals, reconciled by re-scores, created by hand,
edited, resolved with proof, verified or reopened.

Every write locks the action's row first, so two transitions at once are serialized: the second
sees the first's result (409 when it no longer applies). Each service is one transaction with its
history entry and its webhook event. A transition sent again by the same person with the same
comment, after it took effect, answers the stored action (a phone may resend blindly).

Actions of an approval are made in the approval's transaction (``audits.signals.visit_approved``):
one ``critical_failure`` action per item in the visit's ``critical_failures`` and one ``low_score``
action when its score is below the checklist's pass threshold, due ``action_due_days`` after the
approval's date in the location's time zone. A re-score (an upheld dispute) reconciles them
(``audits.signals.visit_rescored``): a failure it removes cancels its action (unless already
verified), a failure it adds gets one.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.authentication import Caller
from accounts.models import Location, Organization
from accounts.selectors import locations_visible_to
from audits.models import Visit, VisitKind, VisitStatus
from audits.periods import local_date
from audits.selectors import visits_visible_to
from audits.submission import canonical_hash
from checklists.definition import items_by_key, text_in
from core.events import EventType
from core.exceptions import DomainConflict
from core.roles import Role
from core.tenancy import get_scoped_or_404
from core.validation import Problems
from photos.services import Evidence, PhotoAddResult, photo_add

from .events import action_event_publish
from .models import AUTOMATIC_SOURCES, Action, ActionHistory, ActionSource, ActionStatus, ActionStep
from .selectors import actions_visible_to

#: How far ahead a due date may be set (a typo such as 3026 is refused).
MAX_DUE_DAYS = 5 * 366
#: Evidence photos per action (per item, or without an item).
EVIDENCE_MAX = 10
EDITABLE = (ActionStatus.OPEN, ActionStatus.RESOLVED)


# --- who may do what ------------------------------------------------------------------------


def may_manage(actor: Caller) -> bool:
    """Create, edit, verify and reopen: managers and admins (within what they see), ``write`` keys."""
    if actor.is_api_key:
        return actor.can_write
    return actor.role in (Role.ADMIN, Role.MANAGER)


def may_resolve(actor: Caller) -> bool:
    """Resolve and send evidence: the location's staff (and admins, ``write`` keys, for locations
    without staff accounts). Managers verify what others resolved."""
    if actor.is_api_key:
        return actor.can_write
    return actor.role in (Role.ADMIN, Role.STAFF)


def _who(actor: Caller) -> dict[str, Any]:
    if actor.is_api_key:
        return {"actor": None, "actor_api_key_id": actor.api_key_id, "actor_role": actor.role}
    return {"actor": actor, "actor_api_key": None, "actor_role": actor.role}


def _step(
    action: Action,
    step: ActionStep,
    *,
    actor: Caller | None,
    at: dt.datetime,
    comment: str = "",
    changes: dict[str, Any] | None = None,
) -> ActionHistory:
    who = _who(actor) if actor is not None else {}
    return ActionHistory.objects.create(
        action=action, step=step, at=at, comment=comment, changes=changes or {}, **who
    )


# --- dates --------------------------------------------------------------------------------------


def overdue_moment(due_date: dt.date, time_zone: str) -> dt.datetime:
    """The instant an action due on ``due_date`` falls overdue: the next day's start, locally."""
    next_day = dt.datetime.combine(due_date + dt.timedelta(days=1), dt.time.min)
    return next_day.replace(tzinfo=zoneinfo.ZoneInfo(time_zone)).astimezone(dt.UTC)


def _check_due_date(due_date: dt.date, today: dt.date, problems: Problems, path: str = "due_date") -> None:
    if due_date < today:
        problems.add(path, f"The due date may not be in the past (the location's today is {today}).", "past")
    elif (due_date - today).days > MAX_DUE_DAYS:
        problems.add(path, "The due date may be at most five years ahead.", "too_far")


# --- made by approvals and re-scores ------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    source: ActionSource
    item_key: str


def visit_failures(visit: Visit) -> list[Failure]:
    """What an approved visit's actions answer: each failed critical item, and a score below the pass."""
    failures = [Failure(ActionSource.CRITICAL_FAILURE, key) for key in visit.critical_failures or []]
    threshold = visit.checklist_version.pass_threshold
    if visit.score is not None and Decimal(repr(visit.score)) < Decimal(threshold):
        failures.append(Failure(ActionSource.LOW_SCORE, ""))
    return failures


def _failure_action(
    visit: Visit,
    failure: Failure,
    *,
    now: dt.datetime,
    location: Location,
    due_days: int,
    comments: dict[str, str],
) -> Action:
    version = visit.checklist_version
    today = local_date(now, location.timezone)
    due_date = today + dt.timedelta(days=due_days)
    if failure.source == ActionSource.CRITICAL_FAILURE:
        _, item = items_by_key(version.sections)[failure.item_key]
        prompt = text_in(item.get("prompt") or item.get("title"), None, version.languages)
        title = f"Critical failure: {prompt or failure.item_key}"
        description = comments.get(failure.item_key) or ""
    else:
        title = f"Score {visit.score:g} below the pass threshold {float(version.pass_threshold):g}"
        description = ""
    return Action(
        organization_id=visit.organization_id,
        location=location,
        visit=visit,
        item_key=failure.item_key,
        source=failure.source,
        title=title[:200],
        description=description,
        due_date=due_date,
        overdue_at=overdue_moment(due_date, location.timezone),
        local_date=visit.local_date,
        created_at=now,
    )


def _create_for_failures(visit: Visit, failures: list[Failure], *, actor: Caller, now: dt.datetime) -> None:
    if not failures:
        return
    location = Location.objects.only("id", "timezone").get(pk=visit.location_id)
    due_days = Organization.objects.values_list("action_due_days", flat=True).get(pk=visit.organization_id)
    # The auditor's comments on the failed items describe them (the location's staff read the visit too).
    comments = dict(
        visit.answers.filter(item_key__in=[f.item_key for f in failures]).values_list("item_key", "comment")
    )
    for failure in failures:
        action = _failure_action(
            visit, failure, now=now, location=location, due_days=due_days, comments=comments
        )
        action.save(force_insert=True)
        _step(action, ActionStep.CREATED, actor=actor, at=now, changes={"visit": str(visit.pk)})
        action_event_publish(action, EventType.ACTION_CREATED, now=now)


def on_visit_approved(*, visit: Visit, actor: Caller, now: dt.datetime, **_: Any) -> None:
    """``visit_approved``: the approved mystery visit's failures become actions (same transaction)."""
    if visit.kind != VisitKind.MYSTERY:
        return
    _create_for_failures(visit, visit_failures(visit), actor=actor, now=now)


def on_visit_rescored(*, visit: Visit, actor: Caller, **_: Any) -> None:
    """``visit_rescored``: cancel the actions of failures the new score removed, add the new ones."""
    if visit.kind != VisitKind.MYSTERY or visit.status != VisitStatus.APPROVED:
        return
    now = timezone.now()
    wanted = set(visit_failures(visit))
    existing = list(
        Action.objects.select_for_update().filter(visit=visit, source__in=AUTOMATIC_SOURCES).order_by("id")
    )
    known = {Failure(ActionSource(a.source), a.item_key) for a in existing}
    for action in existing:
        failure = Failure(ActionSource(action.source), action.item_key)
        if failure not in wanted and action.status in EDITABLE:
            old = action.status
            action.status = ActionStatus.CANCELLED
            action.save(update_fields=["status", "updated_at"])
            _step(
                action,
                ActionStep.CANCELLED,
                actor=actor,
                at=now,
                comment="An upheld dispute removed this failure.",
                changes={"status": [old, ActionStatus.CANCELLED]},
            )
            action_event_publish(action, EventType.ACTION_CANCELLED, now=now)
    added = [failure for failure in visit_failures(visit) if failure not in known]
    _create_for_failures(visit, added, actor=actor, now=now)


def on_location_saved(*, instance: Location, created: bool, update_fields: Any = None, **_: Any) -> None:
    """A location's time zone moves the instant its open actions fall overdue."""
    if created or (update_fields is not None and "timezone" not in update_fields):
        return
    pending = Action.objects.filter(location=instance, status__in=EDITABLE)
    for due_date in pending.values_list("due_date", flat=True).distinct().order_by():
        pending.filter(due_date=due_date).update(overdue_at=overdue_moment(due_date, instance.timezone))


# --- manual actions -----------------------------------------------------------------------------


def action_create(
    *, actor: Caller, data: Mapping[str, Any], now: dt.datetime | None = None
) -> tuple[Action, bool]:
    """A manual action from a validated body ``{id, location, title, description, due_date, visit, item}``;
    returns ``(action, created)``. The same id with the same body answers the stored action; with
    another body (or another caller's id) 409."""
    now = now or timezone.now()
    if not may_manage(actor):
        raise PermissionDenied("Managers and admins create actions.")
    try:
        return _create(actor=actor, data=data, now=now)
    except IntegrityError:
        # A concurrent twin took this id first: answer as for a resent body.
        return _create(actor=actor, data=data, now=now)


def _body_hash(data: Mapping[str, Any]) -> str:
    return canonical_hash(
        {
            "location": data["location"],
            "title": data["title"],
            "description": data.get("description", ""),
            "due_date": data["due_date"].isoformat(),
            "visit": str(data["visit"]) if data.get("visit") else None,
            "item": data.get("item") or "",
        }
    )


@transaction.atomic
def _create(*, actor: Caller, data: Mapping[str, Any], now: dt.datetime) -> tuple[Action, bool]:
    existing = Action.objects.filter(pk=data["id"]).first()
    if existing is not None:
        return _replay(existing, actor=actor, body_hash=_body_hash(data)), False
    problems = Problems()
    location = locations_visible_to(actor).filter(pk=data["location"]).first()
    if location is None:
        problems.add("location", "Unknown location, or not one of yours.", "does_not_exist")
        problems.raise_if_any()
    assert location is not None
    visit = _linked_visit(actor, data, location, problems)
    today = local_date(now, location.timezone)
    _check_due_date(data["due_date"], today, problems)
    problems.raise_if_any()
    action = Action.objects.create(
        id=data["id"],
        organization_id=location.organization_id,
        location=location,
        visit=visit,
        item_key=data.get("item") or "",
        source=ActionSource.MANUAL,
        title=data["title"],
        description=data.get("description", ""),
        due_date=data["due_date"],
        overdue_at=overdue_moment(data["due_date"], location.timezone),
        local_date=visit.local_date if visit is not None else today,
        created_at=now,
        request_hash=_body_hash(data),
        **(
            {"created_by": None, "created_by_api_key_id": actor.api_key_id}
            if actor.is_api_key
            else {"created_by": actor}
        ),
    )
    _step(action, ActionStep.CREATED, actor=actor, at=now)
    action_event_publish(action, EventType.ACTION_CREATED, now=now)
    return action, True


def _linked_visit(
    actor: Caller, data: Mapping[str, Any], location: Location, problems: Problems
) -> Visit | None:
    """The visit (and item) a manual action names: one the caller sees, of the same location."""
    item = data.get("item") or ""
    if not data.get("visit"):
        if item:
            problems.add("item", "An item is named together with the visit it failed in.", "visit_required")
        return None
    visit = (
        visits_visible_to(actor)
        .select_related("checklist_version")
        .filter(pk=data["visit"], location=location)
        .first()
    )
    if visit is None:
        problems.add("visit", "Unknown visit, or not a visit of this location.", "does_not_exist")
        return None
    if item and item not in items_by_key(visit.checklist_version.sections):
        problems.add("item", f"Unknown item '{item}' in this visit's checklist.", "unknown_item")
    return visit


def _replay(existing: Action, *, actor: Caller, body_hash: str) -> Action:
    """A known id: the same organization's same body is the stored action; else 409 (opaque)."""
    if existing.organization_id != actor.organization_id or existing.source != ActionSource.MANUAL:
        raise DomainConflict("This action id is already taken; make a new one.", code="id_taken")
    if existing.request_hash != body_hash:
        raise DomainConflict(
            "An action with this id exists with a different body; make a new id for a new action.",
            code="idempotency_conflict",
        )
    return existing


# --- edits and transitions ----------------------------------------------------------------------


def _locked(actor: Caller, action_id: object) -> Action:
    """The action the caller sees, locked for this transaction (with its location), or 404."""
    found = get_scoped_or_404(actions_visible_to(actor).only("id"), pk=action_id)
    return Action.objects.select_for_update(of=("self",)).select_related("location").get(pk=found.pk)


@transaction.atomic
def action_update(
    *, actor: Caller, action_id: object, data: Mapping[str, Any], now: dt.datetime | None = None
) -> Action:
    """PATCH ``title``, ``description``, ``due_date`` of an open or resolved action."""
    now = now or timezone.now()
    action = _locked(actor, action_id)
    if not may_manage(actor):
        raise PermissionDenied("Managers and admins edit actions.")
    if action.status not in EDITABLE:
        raise DomainConflict(f"A {action.status} action can no longer be edited.", code="action_closed")
    changes: dict[str, Any] = {}
    problems = Problems()
    for name in ("title", "description"):
        if name in data and data[name] != getattr(action, name):
            changes[name] = [getattr(action, name), data[name]]
            setattr(action, name, data[name])
    if "due_date" in data and data["due_date"] != action.due_date:
        _check_due_date(data["due_date"], local_date(now, action.location.timezone), problems)
        changes["due_date"] = [action.due_date.isoformat(), data["due_date"].isoformat()]
        action.due_date = data["due_date"]
        action.overdue_at = overdue_moment(action.due_date, action.location.timezone)
    problems.raise_if_any()
    if changes:
        action.save()
        _step(action, ActionStep.UPDATED, actor=actor, at=now, changes=changes)
        action_event_publish(action, EventType.ACTION_UPDATED, now=now)
    return action


def _replayed(action: Action, step: ActionStep, actor: Caller, comment: str) -> bool:
    """Whether this transition is the action's last step, by the same caller with the same comment."""
    last = action.history.order_by("-at", "-id").first()
    if last is None or last.step != step or last.comment != comment:
        return False
    if actor.is_api_key:
        return last.actor_api_key_id == actor.api_key_id
    return last.actor_id == actor.pk


@dataclass(frozen=True)
class _Move:
    """One step of an action's life: who may take it, from which state to which, what it announces."""

    step: ActionStep
    source: ActionStatus
    target: ActionStatus
    event: EventType
    may: Callable[[Caller], bool]
    denied: str


RESOLVE = _Move(
    ActionStep.RESOLVED,
    ActionStatus.OPEN,
    ActionStatus.RESOLVED,
    EventType.ACTION_RESOLVED,
    may_resolve,
    "The location's staff resolve its actions; managers verify them.",
)
VERIFY = _Move(
    ActionStep.VERIFIED,
    ActionStatus.RESOLVED,
    ActionStatus.VERIFIED,
    EventType.ACTION_VERIFIED,
    may_manage,
    "Managers and admins verify actions.",
)
REOPEN = _Move(
    ActionStep.REOPENED,
    ActionStatus.RESOLVED,
    ActionStatus.OPEN,
    EventType.ACTION_REOPENED,
    may_manage,
    "Managers and admins reopen actions.",
)


def _move(
    *,
    actor: Caller,
    action_id: object,
    move: _Move,
    comment: str,
    now: dt.datetime | None,
    apply: Callable[[Action, dt.datetime], dict[str, Any]],
) -> Action:
    """Take ``move`` on the locked action: ``apply`` sets the step's own fields and returns their changes.

    A resend of the action's last step (same caller, same comment) answers the stored action.
    """
    now = now or timezone.now()
    action = _locked(actor, action_id)
    if not move.may(actor):
        raise PermissionDenied(move.denied)
    if _replayed(action, move.step, actor, comment):
        return action
    if action.status != move.source:
        raise DomainConflict(
            f"Only a {move.source} action can be {move.step}; this one is {action.status}.",
            code="invalid_transition",
        )
    changes: dict[str, Any] = {"status": [move.source.value, move.target.value], **apply(action, now)}
    action.status = move.target
    action.save()
    _step(action, move.step, actor=actor, at=now, comment=comment, changes=changes)
    action_event_publish(action, move.event, now=now)
    return action


@transaction.atomic
def action_resolve(
    *, actor: Caller, action_id: object, resolution: str, now: dt.datetime | None = None
) -> Action:
    """The location says what it changed: ``open`` → ``resolved``."""

    def apply(action: Action, at: dt.datetime) -> dict[str, Any]:
        action.resolution, action.resolved_at = resolution, at
        return {}

    return _move(actor=actor, action_id=action_id, move=RESOLVE, comment=resolution, now=now, apply=apply)


@transaction.atomic
def action_verify(
    *, actor: Caller, action_id: object, comment: str = "", now: dt.datetime | None = None
) -> Action:
    """A manager or admin checked the fix: ``resolved`` → ``verified``."""

    def apply(action: Action, at: dt.datetime) -> dict[str, Any]:
        action.verified_at = at
        return {}

    return _move(actor=actor, action_id=action_id, move=VERIFY, comment=comment, now=now, apply=apply)


@transaction.atomic
def action_reopen(
    *,
    actor: Caller,
    action_id: object,
    comment: str,
    due_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Action:
    """The fix did not hold: ``resolved`` → ``open`` again (the resolution is cleared, the history
    keeps it), optionally with a new due date (today or later)."""

    def apply(action: Action, at: dt.datetime) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if due_date is not None and due_date != action.due_date:
            problems = Problems()
            _check_due_date(due_date, local_date(at, action.location.timezone), problems)
            problems.raise_if_any()
            changes["due_date"] = [action.due_date.isoformat(), due_date.isoformat()]
            action.due_date = due_date
            action.overdue_at = overdue_moment(due_date, action.location.timezone)
        action.resolved_at, action.resolution = None, ""
        return changes

    return _move(actor=actor, action_id=action_id, move=REOPEN, comment=comment, now=now, apply=apply)


# --- evidence -----------------------------------------------------------------------------------


def evidence_add(
    *, actor: Caller, action: Action, photo_id: uuid.UUID, item_key: str, image: IO[bytes]
) -> PhotoAddResult:
    """Proof of the fix, through the visit photos' pipeline, while the action is open or resolved."""
    if not may_resolve(actor):
        raise PermissionDenied("Evidence is sent by those who resolve the action: the location's staff.")
    evidence = Evidence(
        field="action",
        row=action,
        open_statuses=EDITABLE,
        closed_code="action_closed",
        item_keys=frozenset({action.item_key} - {""}),
        max_per_item=EVIDENCE_MAX,
    )
    return photo_add(
        actor=actor, visit=None, photo_id=photo_id, item_key=item_key, image=image, evidence=evidence
    )
