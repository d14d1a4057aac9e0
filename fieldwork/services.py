"""Writes of fieldwork: profiles, qualifications, claims and releases, payouts, ratings.

Every service is keyword-only and atomic. Claims: of concurrent claims of one job exactly one wins,
by a conditional update (``auditor IS NULL`` in the ``WHERE``: on PostgreSQL the second update
waits for the first to commit, then finds the row taken and changes nothing); the same auditor's
claims queue on their profile's row lock so the daily cap holds between their own parallel claims.
Payouts and ratings follow approvals, rejections and upheld disputes in the decision's transaction
(``FieldworkConfig.ready`` connects the receivers).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import Organization, User
from audits.models import Assignment, AssignmentStatus, Visit
from checklists.models import Qualification
from core.exceptions import DomainConflict
from photos.models import Photo
from photos.services import RECEIPT_ITEM

from . import selectors
from .eligibility import REFUSALS, claim_refusal
from .events import job_claimed_publish, payout_created_publish
from .models import AuditorProfile, AuditorQualification, JobClaim, Payout, PayoutStatus
from .rating import rating

#: A claimed job may be released until this long before its ``due_until``.
RELEASE_NOTICE = dt.timedelta(hours=24)


class ClaimRefused(PermissionDenied):
    """An eligibility rule refuses the claim: ``code`` names it (the view answers 403)."""

    def __init__(self, code: str) -> None:
        super().__init__(REFUSALS[code])
        self.code = code
        self.message = REFUSALS[code]


# --- profiles and qualifications --------------------------------------------------------------


def _profile_for_update(user: User) -> AuditorProfile:
    """The auditor's profile row, made if missing, locked until the transaction ends."""
    assert user.organization_id is not None  # auditors belong to an organization
    AuditorProfile.objects.get_or_create(user=user, defaults={"organization_id": user.organization_id})
    return AuditorProfile.objects.select_for_update().get(user=user)


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any]) -> AuditorProfile:
    """Set an auditor's ``home`` ({latitude, longitude} or null) and ``travel_radius_km``."""
    profile = _profile_for_update(user)
    if "home" in data:
        home = data["home"]
        profile.home_latitude = None if home is None else home["latitude"]
        profile.home_longitude = None if home is None else home["longitude"]
    if "travel_radius_km" in data:
        profile.travel_radius_km = data["travel_radius_km"]
    profile.save()
    return profile


@transaction.atomic
def qualification_create(*, organization_id: int, code: str, name: str) -> Qualification:
    if Qualification.objects.filter(organization_id=organization_id, code=code).exists():
        raise DomainConflict("A qualification with this code exists.", code="duplicate_code", attr="code")
    try:
        with transaction.atomic():
            return Qualification.objects.create(organization_id=organization_id, code=code, name=name)
    except IntegrityError:
        raise DomainConflict("A qualification with this code exists.", code="duplicate_code", attr="code")


@transaction.atomic
def qualification_grant(*, user: User, qualification: Qualification) -> bool:
    """Grant it (idempotent); True when it was newly granted."""
    _, created = AuditorQualification.objects.get_or_create(auditor=user, qualification=qualification)
    return created


@transaction.atomic
def qualification_remove(*, user: User, qualification: Qualification) -> None:
    """Remove it (idempotent: removing one not held changes nothing)."""
    AuditorQualification.objects.filter(auditor=user, qualification=qualification).delete()


# --- claims -----------------------------------------------------------------------------------


def _check_claimable(job: Assignment, user: User, now: dt.datetime) -> None:
    if job.status == AssignmentStatus.CANCELLED:
        raise DomainConflict("This job was cancelled.", code="job_cancelled")
    if job.status == AssignmentStatus.EXPIRED or job.due_until <= now:
        raise DomainConflict("This job's window has passed.", code="job_expired")
    if job.auditor_id is not None or job.status != AssignmentStatus.OPEN:
        raise DomainConflict("Another auditor claimed this job first.", code="already_claimed")


@transaction.atomic
def job_claim(*, user: User, job_id: int, now: dt.datetime | None = None) -> Assignment:
    """Make an open job ``user``'s assignment; claiming one's own claimed job again changes nothing."""
    now = now or timezone.now()
    assert user.organization_id is not None  # auditors belong to an organization
    job = selectors.job_get(organization_id=user.organization_id, job_id=job_id)
    if job.auditor_id == user.pk and job.status in (AssignmentStatus.OPEN, AssignmentStatus.SUBMITTED):
        return job  # a resent claim
    _check_claimable(job, user, now)
    _profile_for_update(user)  # this auditor's claims, one at a time (the daily cap)
    caller = selectors.board_caller(user.pk, user.organization_id)
    refusal = claim_refusal(selectors.claim_facts(caller, job, now=now))
    if refusal is not None:
        raise ClaimRefused(refusal)
    won = Assignment.objects.filter(
        pk=job.pk, auditor__isnull=True, status=AssignmentStatus.OPEN, due_until__gt=now
    ).update(auditor=user, updated_at=now)
    if not won:
        job.refresh_from_db()
        if job.auditor_id == user.pk:
            return job
        _check_claimable(job, user, now)
        raise DomainConflict("Another auditor claimed this job first.", code="already_claimed")
    JobClaim.objects.create(assignment=job, auditor=user, claimed_at=now)
    job.auditor, job.updated_at = user, now
    job_claimed_publish(job)
    return job


@transaction.atomic
def job_release(*, user: User, assignment_id: int, now: dt.datetime | None = None) -> Assignment:
    """Give a claimed job back to the board, until ``RELEASE_NOTICE`` before its ``due_until``.

    Releasing again a job one released (and nobody else has claimed since) changes nothing.
    """
    now = now or timezone.now()
    assert user.organization_id is not None
    job = selectors.job_get(organization_id=user.organization_id, job_id=assignment_id)
    claim = selectors.active_claim(job.pk, user.pk)
    if claim is None:
        raise Http404  # not a job this auditor claimed: not theirs to see
    job = Assignment.objects.select_for_update().get(pk=job.pk)
    if job.auditor_id != user.pk:
        if claim.released_at is not None:
            return job  # a resent release
        raise Http404
    if job.status != AssignmentStatus.OPEN:
        raise DomainConflict(f"Only an open job can be released; this one is {job.status}.", code="not_open")
    if now > job.due_until - RELEASE_NOTICE:
        raise DomainConflict("Jobs are released at least 24 hours before due_until.", code="too_late")
    Assignment.objects.filter(pk=job.pk).update(auditor=None, updated_at=now)
    JobClaim.objects.filter(pk=claim.pk).update(released_at=now)
    job.auditor, job.updated_at = None, now
    return job


# --- ratings ----------------------------------------------------------------------------------


def rating_refresh(*, auditor_id: int) -> AuditorProfile:
    """Recompute an auditor's rating from their decided visits (in the caller's transaction)."""
    user = User.objects.get(pk=auditor_id)
    profile = _profile_for_update(user)
    latest, total = selectors.decided_visits(auditor_id)
    profile.rating, profile.decided_visits = rating(latest), total
    profile.save(update_fields=["rating", "decided_visits", "updated_at"])
    return profile


def on_visit_decided(sender: Any, *, visit: Visit, **kwargs: Any) -> None:
    """A visit was rejected or re-scored: its auditor's rating moves."""
    if visit.auditor_id is not None:
        rating_refresh(auditor_id=visit.auditor_id)


# --- payouts ----------------------------------------------------------------------------------


def on_visit_approved(sender: Any, *, visit: Visit, now: dt.datetime, **kwargs: Any) -> None:
    """An approved visit of a paid assignment makes its payout; its auditor's rating moves."""
    on_visit_decided(sender, visit=visit)
    payout_for_approval(visit=visit, now=now)


def payout_for_approval(*, visit: Visit, now: dt.datetime) -> Payout | None:
    """The payout of an approved visit (in the approval's transaction), or None when nothing is owed.

    Declared expenses need a receipt photo: without one the approval is refused (409).
    """
    if visit.assignment_id is None or visit.auditor_id is None:
        return None
    assignment = Assignment.objects.only("fee", "organization_id").get(pk=visit.assignment_id)
    expenses = visit.expenses_amount or Decimal("0.00")
    if expenses and not Photo.objects.filter(visit=visit, item_key=RECEIPT_ITEM, dispute=None).exists():
        raise DomainConflict(
            'Expenses need a receipt: add a photo with item "receipt" before approving.',
            code="receipt_missing",
        )
    fee = assignment.fee or Decimal("0.00")
    if not fee and not expenses:
        return None
    currency = Organization.objects.values_list("currency", flat=True).get(pk=visit.organization_id)
    payout, created = Payout.objects.get_or_create(
        visit=visit,
        defaults={
            "organization_id": visit.organization_id,
            "auditor_id": visit.auditor_id,
            "fee": fee,
            "expenses": expenses,
            "total": fee + expenses,
            "currency": currency,
            "created_at": now,
        },
    )
    if created:
        payout_created_publish(payout)
    return payout


@transaction.atomic
def payouts_mark_paid(
    *, organization_id: int, ids: list[int], reference: str, now: dt.datetime | None = None
) -> list[Payout]:
    """Mark pending payouts paid under ``reference``. Idempotent: payouts already paid under the
    same reference are left as they are; under another reference it is a 409, and nothing changes."""
    now = now or timezone.now()
    rows = list(
        Payout.objects.select_for_update().filter(organization_id=organization_id, pk__in=ids).order_by("id")
    )
    found = {payout.pk for payout in rows}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {
                "ids": ValidationError(
                    f"Unknown payouts: {', '.join(map(str, missing))}.", code="does_not_exist"
                )
            }
        )
    conflicting = [p.pk for p in rows if p.status == PayoutStatus.PAID and p.reference != reference]
    if conflicting:
        raise DomainConflict(
            f"Already paid under another reference: {', '.join(map(str, conflicting))}.", code="already_paid"
        )
    pending = [p for p in rows if p.status == PayoutStatus.PENDING]
    for payout in pending:
        payout.status, payout.paid_at, payout.reference = PayoutStatus.PAID, now, reference
    Payout.objects.bulk_update(pending, ["status", "paid_at", "reference"])
    return rows
