"""The demo's fieldwork: auditors with homes, jobs on the board, and payouts pending and paid.

Three job-only stores near Amsterdam (never visited in the history, so no lockout hides them) get
two jobs each. Kim claims two of them through the real services, visits, declares expenses with a
receipt photo, and the admin approves: two payouts, one of which is marked paid. Sam (home in
Amsterdam, 60 km) then sees the remaining jobs on the board; Kim, locked out of the two stores she
just visited, sees the third store's jobs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Region, User
from accounts.services import location_create
from audits.models import Assignment, Visit
from audits.services import assignment_create, visit_review, visit_submit
from checklists.models import Checklist
from fieldwork.services import job_claim, payouts_mark_paid, profile_update, qualification_create
from photos.services import RECEIPT_ITEM

JOB_STORES = [
    ("HLM-01", "Haarlem Grote Markt", 52.3812, 4.6363),
    ("LEI-01", "Leiden Breestraat", 52.1583, 4.4903),
    ("AMF-01", "Amersfoort Hof", 52.1561, 5.3878),
]
HOMES = {"demo-auditor": (52.3600, 4.8800, 60), "demo-auditor-2": (52.0900, 5.1200, 60)}

#: ``body_for(location, checklist, assignment_id, when)`` makes a visit body for a job's visit;
#: ``photo_for(auditor, visit, item_key)`` adds a photo to it.
BodyFor = Callable[[Any, Checklist, int, dt.datetime], dict[str, Any]]
PhotoFor = Callable[[User, Visit, str], Any]


def fieldwork_seed(
    *,
    admin: User,
    auditors: list[User],
    checklist: Checklist,
    region: Region,
    body_for: BodyFor,
    photo_for: PhotoFor,
) -> dict[str, int]:
    """Homes, a qualification, jobs and two paid-for visits; returns what it made."""
    assert admin.organization is not None
    organization = admin.organization
    for auditor in auditors:
        lat, lon, radius = HOMES[auditor.username]
        profile_update(
            user=auditor, data={"home": {"latitude": lat, "longitude": lon}, "travel_radius_km": radius}
        )
    qualification_create(organization_id=organization.pk, code="barista", name="Barista training")
    now = timezone.now()
    jobs: list[Assignment] = []
    for index, (code, name, lat, lon) in enumerate(JOB_STORES):
        location = location_create(
            organization=organization,
            region=region,
            code=code,
            name=name,
            timezone="Europe/Amsterdam",
            latitude=lat,
            longitude=lon,
            address=f"{name}, main entrance",
        )
        for weeks in (1, 3):
            jobs.append(
                assignment_create(
                    actor=admin,
                    location=location.pk,
                    checklist=checklist.pk,
                    auditor=None,
                    due_from=now - dt.timedelta(days=2),
                    due_until=now + dt.timedelta(weeks=weeks),
                    fee=Decimal("25.00") + index * Decimal("2.50"),
                    expense_cap=Decimal("8.50"),
                    min_rating=Decimal("4.0") if weeks == 3 else None,
                    instructions="Order a flat white and a pastry; keep the receipt.",
                )
            )
    kim = auditors[1]
    payouts = []
    for job, expenses in ((jobs[0], "6.40"), (jobs[2], None)):
        job_claim(user=kim, job_id=job.pk, now=now - dt.timedelta(days=1))
        body = body_for(job.location, checklist, job.pk, now - dt.timedelta(hours=3))
        if expenses is not None:
            body["expenses"] = {"amount": expenses, "note": "Flat white and a croissant"}
        visit, _ = visit_submit(actor=kim, data=body)
        if expenses is not None:
            photo_for(kim, visit, RECEIPT_ITEM)
        visit_review(actor=admin, visit_id=visit.pk, decision="approve", comment="Thorough, thanks.")
        payouts.append(visit.payout.pk)
    payouts_mark_paid(organization_id=organization.pk, ids=payouts[1:], reference="DEMO-PAYROLL-1")
    return {"jobs": len(jobs), "payouts": len(payouts)}
