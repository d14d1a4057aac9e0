"""Writes for notifications: recording them with the change they report, and reading them.

``notify`` writes one ``Notification`` per recipient who wants that kind, inside the caller's
transaction, and enqueues their emails once it commits (``notifications.delivery``). The unique
``(recipient, key)`` makes it idempotent: the same news recorded twice (a resent event, a digest run
twice, two workers at once) adds nothing, and never raises in the caller's transaction.

``domain_event_notify`` is the receiver of ``core.events.domain_event`` (connected in
``NotificationsConfig.ready``): it runs inside the transaction of every change that publishes an
event and turns the few that concern people into notifications. It trusts the event's data only to
decide whether to look further; recipients and texts come from the rows, loaded by id.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from accounts.models import Organization, User
from accounts.notification_kinds import NotificationKind
from accounts.selectors import people_overseeing, staff_of
from actions.models import Action
from actions.rendering import action_representation
from audits.models import Visit, VisitKind
from disputes.models import Dispute, DisputeItem

from . import content
from .delivery import emails_enqueue
from .models import EmailStatus, Notification, OverdueNotice

logger = logging.getLogger(__name__)

_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("notifications_muted", default=False)

# Event types this app listens to (strings: ``action.*`` events are published by the actions app).
VISIT_SUBMITTED = "visit.submitted"
DISPUTE_OPENED = "dispute.opened"
DISPUTE_DECIDED = "dispute.decided"
ACTION_CREATED = "action.created"


@contextmanager
def notifications_muted() -> Iterator[None]:
    """Record no notification for changes made inside this block (back-filling history, imports)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def notify(
    *,
    organization_id: int,
    recipients: Iterable[User],
    kind: str,
    key: str,
    message: Callable[[], content.Message],
) -> list[int]:
    """Record ``kind`` for every recipient who wants it (once per person and ``key``).

    ``message`` is called once, and only if someone is to be told. Returns the ids of the emails
    this call queued (none for people who already had this news, or have no email address).
    """
    wanting = [person for person in recipients if person.wants_notification(kind)]
    if not wanting or _muted.get():
        return []
    built = message()
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        Notification.objects.bulk_create(
            [
                Notification(
                    organization_id=organization_id,
                    recipient=person,
                    kind=kind,
                    key=key,
                    subject=built.subject,
                    link=built.link,
                    body_text=built.text,
                    body_html=built.html,
                    email_status=EmailStatus.PENDING if person.email else EmailStatus.SKIPPED,
                    last_error="" if person.email else "The person has no email address.",
                    next_attempt_at=now if person.email else None,
                )
                for person in wanting
            ],
            ignore_conflicts=True,  # already told: keep the first, add nothing
        )
        # ``ignore_conflicts`` leaves the new rows' ids unset: read back what is waiting to be sent
        # (a row recorded earlier and still pending is queued again, which is harmless: see delivery).
        queued = list(
            Notification.objects.filter(
                key=key, recipient__in=[person.pk for person in wanting], email_status=EmailStatus.PENDING
            ).values_list("pk", flat=True)
        )
        if queued:
            transaction.on_commit(lambda: emails_enqueue(queued))
    return queued


# --- what domain events tell people ------------------------------------------------------------


def _uuid(data: Mapping[str, Any], field: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(data.get(field)))
    except ValueError:
        return None


def _language(organization: Organization) -> str | None:
    return organization.default_language or None


def _visit_submitted(data: Mapping[str, Any]) -> None:
    """Managers of the visit's region and admins hear of a mystery visit that failed."""
    looks_failed = data.get("critical_failures") or (
        data.get("passed") is False and data.get("score") is not None
    )
    if data.get("kind") != VisitKind.MYSTERY or not looks_failed:
        return  # the common case costs no query
    visit_id = _uuid(data, "id")
    visit = (
        Visit.objects.select_related("location", "checklist", "checklist_version", "organization")
        .filter(pk=visit_id, kind=VisitKind.MYSTERY)
        .first()
        if visit_id is not None
        else None
    )
    if visit is None:
        return
    critical = bool(visit.critical_failures)
    threshold = Decimal(visit.checklist_version.pass_threshold)
    below = visit.score is not None and (
        (not critical and not visit.passed) or Decimal(repr(visit.score)) < threshold
    )
    if not critical and not below:
        return
    overseers = list(people_overseeing(visit.location))
    # One notification per person and visit: critical failure first, else below threshold.
    groups: dict[str, list[User]] = {NotificationKind.CRITICAL_FAILURE: [], NotificationKind.LOW_SCORE: []}
    for person in overseers:
        if critical and person.wants_notification(NotificationKind.CRITICAL_FAILURE):
            groups[NotificationKind.CRITICAL_FAILURE].append(person)
        elif below and person.wants_notification(NotificationKind.LOW_SCORE):
            groups[NotificationKind.LOW_SCORE].append(person)
    language = _language(visit.organization)
    for kind, people in groups.items():
        if people:
            notify(
                organization_id=visit.organization_id,
                recipients=people,
                kind=kind,
                key=f"{VISIT_SUBMITTED}:{visit.pk}",
                message=partial(
                    content.visit_message,
                    visit,
                    critical=kind == NotificationKind.CRITICAL_FAILURE,
                    language=language,
                ),
            )


def _dispute(data: Mapping[str, Any]) -> Dispute | None:
    dispute_id = _uuid(data, "id")
    if dispute_id is None:
        return None
    return (
        Dispute.objects.select_related(
            "location",
            "organization",
            "visit__location",
            "visit__checklist",
            "visit__checklist_version",
        )
        .prefetch_related(Prefetch("items", queryset=DisputeItem.objects.order_by("position")))
        .filter(pk=dispute_id)
        .first()
    )


def _dispute_opened(data: Mapping[str, Any]) -> None:
    """Managers of the location's region and admins hear of a new dispute (not whoever opened it)."""
    dispute = _dispute(data)
    if dispute is None:
        return
    recipients = [p for p in people_overseeing(dispute.location) if p.pk != dispute.created_by_id]
    language = _language(dispute.organization)
    notify(
        organization_id=dispute.organization_id,
        recipients=recipients,
        kind=NotificationKind.DISPUTE_OPENED,
        key=f"{DISPUTE_OPENED}:{dispute.pk}",
        message=lambda: content.dispute_opened_message(dispute, language=language),
    )


def _dispute_decided(data: Mapping[str, Any]) -> None:
    """The location's staff hear of the decision (never who decided, nor who audited)."""
    dispute = _dispute(data)
    if dispute is None:
        return
    rescored = data.get("rescored")
    language = _language(dispute.organization)
    notify(
        organization_id=dispute.organization_id,
        recipients=staff_of(dispute.location),
        kind=NotificationKind.DISPUTE_DECIDED,
        key=f"{DISPUTE_DECIDED}:{dispute.pk}",
        message=lambda: content.dispute_decided_message(
            dispute, rescored=rescored if isinstance(rescored, Mapping) else None, language=language
        ),
    )


def _action_created(data: Mapping[str, Any]) -> None:
    """The location's staff hear of a new corrective action."""
    action_id = _uuid(data, "id")
    action = (
        Action.objects.select_related("location").filter(pk=action_id).first()
        if action_id is not None
        else None
    )
    if action is None:
        return
    _tell_staff(action, kind=NotificationKind.ACTION_ASSIGNED, key=f"{ACTION_CREATED}:{action.pk}")


def _tell_staff(action: Action, *, kind: str, key: str) -> list[int]:
    location = action.location
    return notify(
        organization_id=action.organization_id,
        recipients=staff_of(location),
        kind=kind,
        key=key,
        message=lambda: content.action_message(
            action_representation(action, now=timezone.now()),
            location,
            overdue=kind == NotificationKind.ACTION_OVERDUE,
        ),
    )


OVERDUE_BATCH = 500


def overdue_actions_notify(*, now: dt.datetime | None = None, limit: int = OVERDUE_BATCH) -> int:
    """Tell each location's staff, once, of its open actions that have fallen overdue; returns how
    many actions were handled (run by the periodic sweep). Each action is marked (``OverdueNotice``)
    in the same transaction as its notifications, so two sweeps at once handle it once."""
    now = now or timezone.now()
    overdue = list(
        Action.objects.filter(Action.overdue_q(now))
        .filter(~Exists(OverdueNotice.objects.filter(action=OuterRef("pk"))))
        .select_related("location")
        .order_by("overdue_at", "pk")[:limit]
    )
    handled = 0
    for action in overdue:
        with transaction.atomic():
            _, created = OverdueNotice.objects.get_or_create(action=action)
            if not created:
                continue  # another sweep handled it meanwhile
            _tell_staff(action, kind=NotificationKind.ACTION_OVERDUE, key=f"action_overdue:{action.pk}")
            handled += 1
    return handled


_HANDLERS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    VISIT_SUBMITTED: _visit_submitted,
    DISPUTE_OPENED: _dispute_opened,
    DISPUTE_DECIDED: _dispute_decided,
    ACTION_CREATED: _action_created,
}


def domain_event_notify(
    sender: object, *, organization: Organization, type: str, data: dict[str, Any], **kwargs: object
) -> None:
    """Receiver of ``core.events.domain_event``: runs in the change's transaction."""
    handler = _HANDLERS.get(type)
    if handler is not None and not _muted.get():
        handler(data)


# --- the inbox ----------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, now: dt.datetime | None = None) -> Notification:
    """Mark one's own notification read; reading it again keeps the first time (idempotent)."""
    if notification.read_at is None:
        now = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.refresh_from_db(fields=["read_at", "updated_at"])
    return notification
