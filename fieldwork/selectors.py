"""Reads of fieldwork: profiles, the rating's inputs, the job board, a claim's facts and payouts.

The board is one SQL query: open, unclaimed jobs of the auditor's organization still ahead, whose
location lies in the bounding box of the auditor's reach (indexed latitude/longitude), then within
the exact great-circle distance (haversine in SQL: Django registers the trigonometric functions
on SQLite too), rating, qualifications, lockout and daily claim cap all as conditions of that query.

The board's SQL text depends only on its shape (whether the box crosses the antimeridian, the
filters and cursor of the page, the page's bounds); the caller's home, reach, rating, ids and the
instants are parameters. ``compiled_board`` compiles each shape once (``reports.compiled``, as the
reports do) and reruns it with new parameters, the caller's facts too (``board_caller``): the rows
are those ``job_board``, the ORM queryset, gives.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import (
    Count,
    Exists,
    F,
    Field,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.http import Http404

from accounts.models import Organization, User
from audits.models import (
    Assignment,
    AssignmentStatus,
    HistoryAction,
    Visit,
    VisitHistory,
    VisitKind,
    VisitStatus,
)
from audits.selectors import assignments_visible_to
from checklists.models import Checklist, Qualification
from core.principal import Principal
from core.roles import Role
from core.tenancy import get_scoped_or_404, scope_rows
from disputes.models import DisputeItem, ItemDecision
from reports import compiled

from .eligibility import ClaimFacts
from .geo import EARTH_RADIUS_KM, bounding_box
from .models import (
    DEFAULT_RATING,
    DEFAULT_TRAVEL_RADIUS_KM,
    AuditorProfile,
    AuditorQualification,
    JobClaim,
    Payout,
)
from .rating import MAX_VISITS, DecidedVisit

CLAIM_WINDOW = dt.timedelta(hours=24)
DECISIONS = (HistoryAction.APPROVED, HistoryAction.REJECTED)


# --- profiles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """An auditor's profile as the API shows it (defaults for an auditor who never set one)."""

    user: User
    home_latitude: float | None
    home_longitude: float | None
    travel_radius_km: int
    rating: Decimal
    decided_visits: int
    qualifications: list[str]


def auditors_visible_to(principal: Principal) -> QuerySet[User]:
    """Auditors whose profile the caller may read: admins and managers, of their organization."""
    if principal.role not in (Role.ADMIN, Role.MANAGER) or principal.organization_id is None:
        return User.objects.none()
    return User.objects.filter(organization_id=principal.organization_id, role=Role.AUDITOR)


def profile_of(user: User) -> Profile:
    """``user``'s profile, with their qualification codes (two queries)."""
    stored = AuditorProfile.objects.filter(user=user).first()
    codes = list(
        AuditorQualification.objects.filter(auditor=user)
        .order_by("qualification__code")
        .values_list("qualification__code", flat=True)
    )
    if stored is None:
        return Profile(user, None, None, DEFAULT_TRAVEL_RADIUS_KM, DEFAULT_RATING, 0, codes)
    return Profile(
        user,
        stored.home_latitude,
        stored.home_longitude,
        stored.travel_radius_km,
        stored.rating,
        stored.decided_visits,
        codes,
    )


def qualifications_of(organization_id: int | None) -> QuerySet[Qualification]:
    if organization_id is None:
        return Qualification.objects.none()
    return Qualification.objects.filter(organization_id=organization_id)


# --- rating -----------------------------------------------------------------------------------


def decided_visits(auditor_id: int) -> tuple[list[DecidedVisit], int]:
    """The auditor's last ``MAX_VISITS`` decided mystery visits (newest decision first) and how many
    decided visits they have in all."""
    history = VisitHistory.objects.filter(visit=OuterRef("pk"))
    upheld = (
        DisputeItem.objects.filter(visit=OuterRef("pk"), decision=ItemDecision.UPHELD)
        .order_by()
        .values("visit")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Visit.objects.filter(
            auditor_id=auditor_id,
            kind=VisitKind.MYSTERY,
            status__in=(VisitStatus.APPROVED, VisitStatus.REJECTED),
        )
        .annotate(
            decided_at=Subquery(history.filter(action__in=DECISIONS).order_by("-at", "-id").values("at")[:1]),
            returned=Exists(history.filter(action=HistoryAction.RETURNED)),
            upheld=Subquery(upheld[:1]),
        )
        .order_by(F("decided_at").desc(nulls_last=True), "-started_at")
        .values_list("status", "returned", "upheld")
    )
    total = Visit.objects.filter(
        auditor_id=auditor_id,
        kind=VisitKind.MYSTERY,
        status__in=(VisitStatus.APPROVED, VisitStatus.REJECTED),
    ).count()
    latest = [
        DecidedVisit(approved=status == VisitStatus.APPROVED, returned=returned, upheld_items=upheld or 0)
        for status, returned, upheld in rows[:MAX_VISITS]
    ]
    return latest, total


def ratings_of(user_ids: list[int]) -> dict[int, Decimal]:
    """The stored ratings of ``user_ids`` (those without a profile have the default)."""
    stored = dict(AuditorProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "rating"))
    return {pk: stored.get(pk, DEFAULT_RATING) for pk in user_ids}


# --- the job board ----------------------------------------------------------------------------


def _great_circle_km(lat_rad: float, lon_rad: float, cos_lat: float) -> Combinable:
    """Haversine distance in km from the point at latitude/longitude ``lat_rad``/``lon_rad`` (radians,
    ``cos_lat`` the cosine of the latitude) to the row's location, as a SQL expression."""
    phi = Radians("location__latitude")
    d_phi = (phi - Value(lat_rad)) / 2
    d_lambda = (Radians("location__longitude") - Value(lon_rad)) / 2
    a = Power(Sin(d_phi), 2) + Value(cos_lat) * Cos(phi) * Power(Sin(d_lambda), 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Least(Value(1.0), Sqrt(a)))


def _distance_from(lat: float, lon: float) -> Combinable:
    """Haversine distance in km from (lat, lon), in degrees, to the row's location."""
    return _great_circle_km(math.radians(lat), math.radians(lon), math.cos(math.radians(lat)))


def _in_box(min_lat: float, max_lat: float, min_lon: float, max_lon: float, *, wraps: bool) -> Q:
    q = Q(location__latitude__gte=min_lat, location__latitude__lte=max_lat)
    if wraps:
        return q & (Q(location__longitude__gte=min_lon) | Q(location__longitude__lte=max_lon))
    return q & Q(location__longitude__gte=min_lon, location__longitude__lte=max_lon)


@dataclass(frozen=True)
class BoardCaller:
    """What the board needs to know about the auditor (one query: ``board_caller``)."""

    user_id: int
    organization_id: int
    home_latitude: float | None
    home_longitude: float | None
    travel_radius_km: int
    rating: Decimal
    lockout_days: int
    daily_claim_cap: int
    currency: str


def board_caller(user_id: int, organization_id: int) -> BoardCaller:
    """The auditor's home, reach and rating, and their organization's rules (one query: the profile,
    which an auditor may not have yet, is read through subqueries of the organization's row; its SQL
    is compiled once, see the module doc)."""
    columns, rows = compiled.fetch_rows(
        ("board_caller",), _board_caller_row, {"user_id": user_id, "organization_id": organization_id}
    )
    if not rows:
        raise Organization.DoesNotExist("Organization matching query does not exist.")
    row = dict(zip(columns, rows[0], strict=True))
    stored = row["has_profile"]
    return BoardCaller(
        user_id=user_id,
        organization_id=organization_id,
        home_latitude=row["home_latitude"],
        home_longitude=row["home_longitude"],
        travel_radius_km=row["travel_radius_km"] if stored else DEFAULT_TRAVEL_RADIUS_KM,
        rating=row["rating"] if stored else DEFAULT_RATING,
        lockout_days=row["lockout_days"],
        daily_claim_cap=row["daily_claim_cap"],
        currency=row["currency"],
    )


def _board_caller_row(values: Mapping[str, Any]) -> QuerySet[Organization, dict[str, Any]]:
    profile = AuditorProfile.objects.filter(user_id=values["user_id"])
    row: QuerySet[Organization, dict[str, Any]] = (
        Organization.objects.filter(pk=values["organization_id"])
        .annotate(
            has_profile=Exists(profile),
            **{field: Subquery(profile.values(field)[:1]) for field in _PROFILE_FIELDS},
        )
        .values("lockout_days", "daily_claim_cap", "currency", "has_profile", *_PROFILE_FIELDS)
    )
    return row


_PROFILE_FIELDS = ("home_latitude", "home_longitude", "travel_radius_km", "rating")


def organization_currency(organization_id: int | None) -> str:
    if organization_id is None:
        return ""
    return Organization.objects.values_list("currency", flat=True).get(pk=organization_id)


def open_jobs(organization_id: int, *, now: dt.datetime) -> QuerySet[Assignment]:
    """The organization's jobs nobody has claimed whose window is still ahead."""
    return Assignment.objects.filter(
        organization_id=organization_id,
        is_job=True,
        auditor__isnull=True,
        status=AssignmentStatus.OPEN,
        due_until__gt=now,
    )


def _rendered(jobs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return jobs.annotate(
        version_number=F("checklist_version__number"),
        location_name=F("location__name"),
        location_address=F("location__address"),
        location_latitude=F("location__latitude"),
        location_longitude=F("location__longitude"),
    )


def open_jobs_visible_to(principal: Principal, *, now: dt.datetime) -> QuerySet[Assignment]:
    """Admins, managers (their regions) and API keys read the open jobs, without a distance."""
    if principal.organization_id is None or principal.role in (Role.AUDITOR, Role.STAFF):
        return Assignment.objects.none()
    jobs = scope_rows(open_jobs(principal.organization_id, now=now), principal, location="location")
    return _rendered(jobs.annotate(distance_km=Value(None, output_field=FloatField())))


def jobs_visible_to(principal: Principal) -> QuerySet[Assignment]:
    """Jobs as assignments: what the caller sees of the organization's assignments."""
    return assignments_visible_to(principal).filter(is_job=True)


def job_get(*, organization_id: int | None, job_id: object) -> Assignment:
    """A job of the organization (claimed or not, of any status), or a 404."""
    if organization_id is None:
        raise Http404
    return get_scoped_or_404(
        Assignment.objects.select_related("checklist_version").filter(
            organization_id=organization_id, is_job=True
        ),
        pk=job_id,
    )


def _missing_qualification(user_id: int) -> Exists:
    """The job's checklist requires a qualification the auditor does not hold."""
    held = AuditorQualification.objects.filter(auditor_id=user_id).values("qualification_id")
    required = Checklist.required_qualifications.through.objects.filter(checklist_id=OuterRef("checklist_id"))
    return Exists(required.exclude(qualification_id__in=held))


def _locked_out(user_id: int, since: dt.datetime) -> Exists:
    """The auditor visited the job's location within the lockout."""
    return Exists(
        Visit.objects.filter(auditor_id=user_id, location_id=OuterRef("location_id"), started_at__gte=since)
    )


def _claims_since(user_id: int, since: dt.datetime) -> Subquery:
    return Subquery(
        JobClaim.objects.filter(auditor_id=user_id, claimed_at__gte=since)
        .order_by()
        .values("auditor_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )


def _board_values(caller: BoardCaller, now: dt.datetime) -> tuple[dict[str, object], bool]:
    """The parameters of ``caller``'s board now, and whether its box crosses the antimeridian (which
    changes the SQL). The caller has a home."""
    lat, lon = caller.home_latitude, caller.home_longitude
    assert lat is not None and lon is not None
    box = bounding_box(lat, lon, caller.travel_radius_km)
    values: dict[str, object] = {
        "organization_id": caller.organization_id,
        "now": now,
        "min_lat": box.min_lat,
        "max_lat": box.max_lat,
        "min_lon": box.min_lon,
        "max_lon": box.max_lon,
        "rating": caller.rating,
        "user_id": caller.user_id,
        "claims_since": now - CLAIM_WINDOW,
        "daily_claim_cap": caller.daily_claim_cap,
        "lockout_since": now - dt.timedelta(days=caller.lockout_days),
        "lat_rad": math.radians(lat),
        "lon_rad": math.radians(lon),
        "cos_lat": math.cos(math.radians(lat)),
        "radius_km": float(caller.travel_radius_km),
    }
    return values, box.wraps


def _board(values: Mapping[str, Any], *, wraps: bool) -> QuerySet[Assignment]:
    """The board of the parameters ``values`` (``_board_values``)."""
    board = (
        open_jobs(values["organization_id"], now=values["now"])
        .filter(
            _in_box(values["min_lat"], values["max_lat"], values["min_lon"], values["max_lon"], wraps=wraps)
        )
        .filter(Q(min_rating__isnull=True) | Q(min_rating__lte=values["rating"]))
        .alias(claims_made=_claims_since(values["user_id"], values["claims_since"]))
        .filter(Q(claims_made__isnull=True) | Q(claims_made__lt=values["daily_claim_cap"]))
        .exclude(_missing_qualification(values["user_id"]))
        .exclude(_locked_out(values["user_id"], values["lockout_since"]))
        .annotate(distance_km=_great_circle_km(values["lat_rad"], values["lon_rad"], values["cos_lat"]))
        .filter(distance_km__lte=values["radius_km"])
    )
    return _rendered(board)


def job_board(caller: BoardCaller, *, now: dt.datetime) -> QuerySet[Assignment]:
    """The jobs ``caller`` may claim now, each with ``distance_km``: one SQL query (see module doc)."""
    if caller.home_latitude is None or caller.home_longitude is None:
        return Assignment.objects.none()
    values, wraps = _board_values(caller, now)
    return _board(values, wraps=wraps)


#: What the board's serializer reads of a job (``id`` is also ``pk``).
BOARD_COLUMNS = (
    "id",
    "location_id",
    "checklist_id",
    "due_from",
    "due_until",
    "instructions",
    "fee",
    "expense_cap",
    "min_rating",
    "updated_at",
    "version_number",
    "location_name",
    "location_address",
    "location_latitude",
    "location_longitude",
    "distance_km",
)


class BoardJob:
    """A job of the compiled board: the attributes of ``job_board``'s assignments the API shows."""

    __slots__ = BOARD_COLUMNS
    id: int
    location_id: int
    checklist_id: int
    due_from: dt.datetime
    due_until: dt.datetime
    instructions: str
    fee: Decimal | None
    expense_cap: Decimal | None
    min_rating: Decimal | None
    updated_at: dt.datetime
    version_number: int
    location_name: str
    location_address: str
    location_latitude: float
    location_longitude: float
    distance_km: float

    def __init__(self, columns: list[str], row: tuple[Any, ...]):
        for name, value in zip(columns, row, strict=True):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class CompiledBoard:
    """``job_board(caller, now=now)`` as the filters and cursor pagination use it (``filter`` with one
    lookup, ``order_by``, a slice), answered by SQL compiled once per shape (see the module doc).
    A slice gives ``BoardJob`` rows, those of the same slice of ``job_board``."""

    model: ClassVar[type[Assignment]] = Assignment
    caller: BoardCaller
    now: dt.datetime
    #: ("filter", lookup, value) and ("order_by", fields, None), in the order they were made.
    steps: tuple[tuple[str, Any, Any], ...] = ()

    def filter(self, **lookups: Any) -> CompiledBoard:
        ((lookup, value),) = lookups.items()  # one at a time: the filters' and the cursor's
        field = Assignment._meta.get_field(lookup.split("__", 1)[0])
        assert isinstance(field, Field)
        # What the ORM would compare with (a cursor's position is text): the same prepared value.
        return replace(self, steps=(*self.steps, ("filter", lookup, field.get_prep_value(value))))

    def order_by(self, *fields: str) -> CompiledBoard:
        return replace(self, steps=(*self.steps, ("order_by", fields, None)))

    def __getitem__(self, page: slice) -> list[BoardJob]:
        assert page.step is None
        values, wraps = _board_values(self.caller, self.now)
        filtered = {f"step{i}": value for i, (kind, _, value) in enumerate(self.steps) if kind == "filter"}
        shape = tuple((kind, what) for kind, what, _ in self.steps)
        bounds = (page.start, page.stop)

        def build(values: Mapping[str, Any]) -> QuerySet[Assignment, dict[str, Any]]:
            board = _board(values, wraps=wraps)
            for i, (kind, what, _) in enumerate(self.steps):
                board = (
                    board.filter(**{what: values[f"step{i}"]}) if kind == "filter" else board.order_by(*what)
                )
            rows: QuerySet[Assignment, dict[str, Any]] = board.values(*BOARD_COLUMNS)
            return rows[page.start : page.stop]

        columns, rows = compiled.fetch_rows(("board", wraps, shape, bounds), build, {**values, **filtered})
        return [BoardJob(columns, row) for row in rows]


def compiled_board(caller: BoardCaller, *, now: dt.datetime) -> CompiledBoard | QuerySet[Assignment]:
    """``job_board``, answered by compiled SQL (no home: no jobs, and no query)."""
    if caller.home_latitude is None or caller.home_longitude is None:
        return Assignment.objects.none()
    return CompiledBoard(caller, now)


def claim_facts(caller: BoardCaller, job: Assignment, *, now: dt.datetime) -> ClaimFacts:
    """The facts of ``caller`` claiming ``job``, read in one query from the database."""
    has_home = caller.home_latitude is not None and caller.home_longitude is not None
    row = (
        Assignment.objects.filter(pk=job.pk)
        .annotate(
            missing=_missing_qualification(caller.user_id),
            locked=_locked_out(caller.user_id, now - dt.timedelta(days=caller.lockout_days)),
            claims_made=_claims_since(caller.user_id, now - CLAIM_WINDOW),
            distance=_distance_from(caller.home_latitude, caller.home_longitude)  # type: ignore[arg-type]
            if has_home
            else Value(None, output_field=FloatField()),
        )
        .values("missing", "locked", "claims_made", "distance")
        .get()
    )
    return ClaimFacts(
        has_home=has_home,
        distance_km=row["distance"],
        travel_radius_km=caller.travel_radius_km,
        rating=caller.rating,
        min_rating=job.min_rating,
        missing_qualification=row["missing"],
        locked_out=row["locked"],
        claims_today=row["claims_made"] or 0,
        daily_claim_cap=caller.daily_claim_cap,
    )


def active_claim(assignment_id: int, auditor_id: int) -> JobClaim | None:
    return JobClaim.objects.filter(assignment_id=assignment_id, auditor_id=auditor_id).order_by("-id").first()


# --- payouts ----------------------------------------------------------------------------------


def payouts_visible_to(principal: Principal) -> QuerySet[Payout]:
    """Admins: the organization's payouts; auditors: their own; nobody else."""
    if principal.organization_id is None or principal.is_api_key:
        return Payout.objects.none()
    rows = Payout.objects.filter(organization_id=principal.organization_id)
    if principal.role == Role.ADMIN:
        return rows
    if principal.role == Role.AUDITOR:
        return rows.filter(auditor_id=principal.pk)
    return Payout.objects.none()


def payout_export(rows: QuerySet[Payout]) -> QuerySet[Payout]:
    return rows.select_related("auditor").order_by("id")
