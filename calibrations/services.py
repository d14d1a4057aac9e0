"""Writes for calibrations: creating one sends every auditor to the same place on the same version."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from django.db import IntegrityError, transaction

from accounts.authentication import Caller
from accounts.models import Location, Role, User
from audits.services import assignment_create
from checklists.models import ChecklistVersion
from core.exceptions import DomainConflict
from core.principal import organization_id_of
from core.tenancy import scope_rows
from core.validation import Problems, canonical_json

from .models import Calibration


def _body_hash(**body: Any) -> str:
    """The idempotency fingerprint: the body's values, instants in UTC, auditors as sent."""
    normal = {
        key: value.astimezone(dt.UTC).isoformat() if isinstance(value, dt.datetime) else value
        for key, value in body.items()
    }
    normal["id"] = str(normal["id"])
    return hashlib.sha256(canonical_json(normal).encode()).hexdigest()


def calibration_create(
    *,
    actor: Caller,
    id: uuid.UUID,
    location: int,
    checklist: int,
    auditors: list[int],
    due_from: dt.datetime,
    due_until: dt.datetime,
) -> tuple[Calibration, bool]:
    """Create a calibration and one assignment per auditor; ``(calibration, created)``.

    The same ``id`` with the same body answers the stored calibration (``created=False``); with
    another body, or from another organization, 409.
    """
    body: dict[str, Any] = {
        "id": id,
        "location": location,
        "checklist": checklist,
        "auditors": auditors,
        "due_from": due_from,
        "due_until": due_until,
    }
    try:
        return _create(actor=actor, body_hash=_body_hash(**body), **body)
    except IntegrityError:
        # A concurrent twin with the same id committed first: answer as for a resent body.
        return _create(actor=actor, body_hash=_body_hash(**body), **body)


@transaction.atomic
def _create(
    *,
    actor: Caller,
    body_hash: str,
    id: uuid.UUID,
    location: int,
    checklist: int,
    auditors: list[int],
    due_from: dt.datetime,
    due_until: dt.datetime,
) -> tuple[Calibration, bool]:
    org_id = organization_id_of(actor)
    existing = Calibration.objects.filter(pk=id).first()
    if existing is not None:
        if existing.organization_id != org_id or existing.request_hash != body_hash:
            raise DomainConflict(
                "A calibration with this id exists with a different body; make a new id.",
                code="idempotency_conflict",
            )
        return existing, False
    problems = Problems()
    distinct = list(dict.fromkeys(auditors))
    if len(distinct) < 2:
        problems.add("auditors", "At least two distinct auditors are required.", "too_few_auditors")
    known = set(
        User.objects.filter(
            pk__in=distinct, organization_id=org_id, role=Role.AUDITOR, is_active=True
        ).values_list("pk", flat=True)
    )
    for index, auditor in enumerate(auditors):
        if auditor not in known:
            problems.add(f"auditors.{index}", "Not an active auditor of this organization.", "does_not_exist")
    site = scope_rows(Location.objects.all(), actor, location="").filter(pk=location).first()
    if site is None:
        problems.add("location", "Unknown location.", "does_not_exist")
    version = (
        ChecklistVersion.objects.filter(checklist_id=checklist, checklist__organization_id=org_id)
        .order_by("-number")
        .first()
    )
    if version is None:
        problems.add("checklist", "Unknown checklist.", "does_not_exist")
    if due_from >= due_until:
        problems.add("due_until", "due_until must be after due_from.", "invalid_order")
    problems.raise_if_any()
    assert site is not None and version is not None  # else a problem was raised

    calibration = Calibration.objects.create(
        id=id,
        organization_id=org_id,
        location=site,
        checklist_id=version.checklist_id,
        checklist_version=version,
        due_from=due_from,
        due_until=due_until,
        created_by=actor.user_or_none(),
        request_hash=body_hash,
    )
    calibration.assignments.set(
        [
            assignment_create(
                actor=actor,
                location=site.pk,
                checklist=version.checklist_id,
                checklist_version=version.number,
                auditor=auditor,
                due_from=due_from,
                due_until=due_until,
                instructions="Calibration visit: rate exactly what you see; other auditors rate the same visit.",
            )
            for auditor in distinct
        ]
    )
    return calibration, True
