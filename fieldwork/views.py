"""HTTP layer of fieldwork: profiles, qualifications, the job board, claims, releases and payouts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import caller_of
from accounts.models import User
from audits.models import Assignment
from audits.serializers import AssignmentSerializer
from core.exceptions import error_responses
from core.pagination import DefaultPagination
from core.permissions import ADMIN, ADMIN_MANAGER, EVERYONE
from core.principal import principal_of
from core.roles import Role
from core.tenancy import get_scoped_or_404
from reports.csv_export import neutralize
from reports.views import JSONErrorsNegotiation

from . import selectors, services
from .events import payout_representation
from .filters import JobFilter, PayoutFilter
from .serializers import (
    AuditorProfileSerializer,
    AuditorProfileUpdateSerializer,
    JobSerializer,
    MarkPaidResponseSerializer,
    MarkPaidSerializer,
    PayoutSerializer,
    QualificationCreateSerializer,
    QualificationSerializer,
)

TAGS = ["fieldwork"]
AUDITOR = frozenset({Role.AUDITOR})
ADMIN_AUDITOR = frozenset({Role.ADMIN, Role.AUDITOR})
_READ = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE}


def _person(request) -> User:
    caller = caller_of(request)
    if caller.is_api_key or caller.organization_id is None:  # refused by the role maps already
        raise PermissionDenied()
    return caller


def _org_id(request) -> int:
    organization_id = _person(request).organization_id
    assert organization_id is not None  # _person refused anyone outside an organization
    return organization_id


# --- profiles ---------------------------------------------------------------------------------


class AuditorProfileView(APIView):
    role_map = {**_READ, "PATCH": ADMIN_MANAGER}
    api_key_may_read = False  # auditors' personal data
    api_key_may_write = False

    def _auditor(self, request, pk):
        return get_scoped_or_404(selectors.auditors_visible_to(caller_of(request)), pk=pk)

    @extend_schema(
        summary="An auditor's profile: home, reach, rating, qualifications",
        responses={200: AuditorProfileSerializer, **error_responses(401, 403, 404, 429)},
        tags=TAGS,
    )
    def get(self, request, pk):
        if caller_of(request).role not in ADMIN_MANAGER:
            raise PermissionDenied()
        return Response(AuditorProfileSerializer(selectors.profile_of(self._auditor(request, pk))).data)

    @extend_schema(
        summary="Change an auditor's home or travel radius",
        request=AuditorProfileUpdateSerializer,
        responses={200: AuditorProfileSerializer, **error_responses(400, 401, 403, 404, 415, 429)},
        tags=TAGS,
    )
    def patch(self, request, pk):
        user = self._auditor(request, pk)
        data = AuditorProfileUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.profile_update(user=user, data=data.validated_data)
        return Response(AuditorProfileSerializer(selectors.profile_of(user)).data)


class MyAuditorProfileView(APIView):
    role_map = {"GET": AUDITOR, "HEAD": AUDITOR, "OPTIONS": AUDITOR, "PATCH": AUDITOR}

    @extend_schema(
        summary="My auditor profile",
        responses={200: AuditorProfileSerializer, **error_responses(401, 403, 429)},
        tags=TAGS,
    )
    def get(self, request):
        return Response(AuditorProfileSerializer(selectors.profile_of(_person(request))).data)

    @extend_schema(
        summary="Set my home and travel radius",
        request=AuditorProfileUpdateSerializer,
        responses={200: AuditorProfileSerializer, **error_responses(400, 401, 403, 415, 429)},
        examples=[
            OpenApiExample(
                "Home in Utrecht, 30 km",
                value={"home": {"latitude": 52.09, "longitude": 5.12}, "travel_radius_km": 30},
                request_only=True,
            )
        ],
        tags=TAGS,
    )
    def patch(self, request):
        user = _person(request)
        data = AuditorProfileUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.profile_update(user=user, data=data.validated_data)
        return Response(AuditorProfileSerializer(selectors.profile_of(user)).data)


# --- qualifications ---------------------------------------------------------------------------


class QualificationPagination(DefaultPagination):
    ordering = ("code", "id")


class QualificationListView(GenericAPIView):
    role_map = {**_READ, "POST": ADMIN}
    serializer_class = QualificationSerializer
    pagination_class = QualificationPagination

    def get_queryset(self):
        return selectors.qualifications_of(principal_of(self.request).organization_id)

    @extend_schema(
        summary="The organization's qualifications",
        responses={200: QualificationSerializer(many=True), **error_responses(400, 401, 403, 429)},
        tags=TAGS,
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(QualificationSerializer(page, many=True).data)

    @extend_schema(
        summary="Add a qualification",
        description="`code` is unique in the organization (409 `duplicate_code`).",
        request=QualificationCreateSerializer,
        responses={201: QualificationSerializer, **error_responses(400, 401, 403, 409, 415, 429)},
        tags=TAGS,
    )
    def post(self, request):
        data = QualificationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        qualification = services.qualification_create(organization_id=_org_id(request), **data.validated_data)
        return Response(QualificationSerializer(qualification).data, status=status.HTTP_201_CREATED)


class AuditorQualificationView(APIView):
    role_map = {"POST": ADMIN, "DELETE": ADMIN, "OPTIONS": ADMIN}
    api_key_may_read = False
    api_key_may_write = False

    def _target(self, request, pk, code):
        user = get_scoped_or_404(selectors.auditors_visible_to(caller_of(request)), pk=pk)
        try:
            qualification = selectors.qualifications_of(user.organization_id).get(code=code)
        except ObjectDoesNotExist:
            raise Http404
        return user, qualification

    @extend_schema(
        summary="Grant a qualification (idempotent)",
        request=None,
        responses={
            201: AuditorProfileSerializer,
            200: AuditorProfileSerializer,
            **error_responses(401, 403, 404, 429),
        },
        tags=TAGS,
    )
    def post(self, request, pk, code):
        user, qualification = self._target(request, pk, code)
        created = services.qualification_grant(user=user, qualification=qualification)
        body = AuditorProfileSerializer(selectors.profile_of(user)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Remove a qualification (idempotent)",
        responses={204: None, **error_responses(401, 403, 404, 429)},
        tags=TAGS,
    )
    def delete(self, request, pk, code):
        user, qualification = self._target(request, pk, code)
        services.qualification_remove(user=user, qualification=qualification)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- jobs -------------------------------------------------------------------------------------


class BoardPagination(DefaultPagination):
    ordering = ("due_until", "id")


class JobBoardView(GenericAPIView):
    role_map = _READ
    serializer_class = JobSerializer
    pagination_class = BoardPagination
    filterset_class = JobFilter

    def get_queryset(self):
        # The board is built in ``get`` (it needs the caller's profile); the schema sees its model.
        return getattr(self, "_board", Assignment.objects.none())

    @extend_schema(
        summary="The job board: open jobs I may claim, with their distance from my home",
        description=(
            "Jobs (assignments without an auditor) whose location is within my travel radius "
            "(great-circle distance from my home), whose `min_rating` my rating meets, whose checklist's "
            "required qualifications I hold, at a location I have not visited within the organization's "
            "`lockout_days`, while I made fewer than `daily_claim_cap` claims in the last 24 hours, and "
            "whose `due_until` is ahead. No home: no jobs. Soonest `due_until` first; `updated_since` "
            "narrows to jobs changed after that instant. Admins, managers (their regions) and API keys "
            "read every open job, with `distance_km` null; staff see none."
        ),
        responses={200: JobSerializer(many=True), **error_responses(400, 401, 403, 429)},
        tags=TAGS,
    )
    def get(self, request):
        principal = principal_of(request)
        if principal.role != Role.AUDITOR:
            self._board = selectors.open_jobs_visible_to(principal, now=timezone.now())
            currency = selectors.organization_currency(principal.organization_id)
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        else:
            caller = selectors.board_caller(_person(request).pk, _org_id(request))
            currency = caller.currency
            board = selectors.compiled_board(caller, now=timezone.now())
            page = self.paginate_queryset(self._filtered(board))
        data = JobSerializer(page, many=True, context={"currency": currency}).data
        return self.get_paginated_response(data)

    def _filtered(self, board):
        """``board`` narrowed by the query's filters as ``filter_queryset`` would (same 400s), made
        by the filters themselves: the compiled board is not a queryset, which the backend wants."""
        filterset = DjangoFilterBackend().get_filterset(self.request, Assignment.objects.none(), self)
        assert filterset is not None  # the view's filterset_class
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)  # type: ignore[misc]
        for name, value in filterset.form.cleaned_data.items():
            board = filterset.filters[name].filter(board, value)
        return board


def _auditor_on_job(request, pk) -> User:
    """The caller, an auditor, on a job of their organization (the service finds it, or answers
    404). Anyone else: 404 for a job outside what they see, else 403."""
    principal = principal_of(request)
    if principal.role != Role.AUDITOR:
        get_scoped_or_404(selectors.jobs_visible_to(principal), pk=pk)
        raise PermissionDenied("Only auditors claim and release jobs.")
    return _person(request)


class JobClaimView(APIView):
    role_map = {"POST": EVERYONE, "OPTIONS": EVERYONE}

    @extend_schema(
        summary="Claim a job: it becomes my assignment",
        description=(
            "Of concurrent claims exactly one wins; the others get 409 `already_claimed`. A cancelled job "
            "is 409 `job_cancelled`, one past its window 409 `job_expired`. An ineligible claim is 403 with "
            "the rule as `code`: `no_home`, `too_far`, `rating_too_low`, `missing_qualification`, "
            "`lockout`, `daily_cap`. Claiming a job I already hold answers 200 with it again."
        ),
        request=None,
        responses={200: AssignmentSerializer, **error_responses(401, 403, 404, 409, 429)},
        tags=TAGS,
    )
    def post(self, request, pk):
        try:
            job = services.job_claim(user=_auditor_on_job(request, pk), job_id=pk)
        except services.ClaimRefused as refused:
            raise PermissionDenied(refused.message, code=refused.code)
        return Response(AssignmentSerializer(job).data)


class JobReleaseView(APIView):
    role_map = {"POST": EVERYONE, "OPTIONS": EVERYONE}

    @extend_schema(
        summary="Release a job I claimed: it goes back to the board",
        description=(
            "Until 24 hours before `due_until` (409 `too_late` after); only while `open` (409 `not_open`). "
            "Another auditor's job, or an assignment that is not a job I claimed, is 404. Releasing again "
            "answers 200."
        ),
        request=None,
        responses={200: AssignmentSerializer, **error_responses(401, 403, 404, 409, 429)},
        tags=["assignments"],
    )
    def post(self, request, pk):
        job = services.job_release(user=_auditor_on_job(request, pk), assignment_id=pk)
        return Response(AssignmentSerializer(job).data)


# --- payouts ----------------------------------------------------------------------------------


class PayoutListView(GenericAPIView):
    role_map = {"GET": ADMIN_AUDITOR, "HEAD": ADMIN_AUDITOR, "OPTIONS": ADMIN_AUDITOR}
    api_key_may_read = False
    serializer_class = PayoutSerializer
    pagination_class = DefaultPagination
    filterset_class = PayoutFilter

    def get_queryset(self):
        return selectors.payouts_visible_to(principal_of(self.request))

    @extend_schema(
        summary="Payouts: admins the organization's, auditors their own",
        description="Newest first. Money is a decimal string in `currency`, never a float.",
        responses={200: PayoutSerializer(many=True), **error_responses(400, 401, 403, 429)},
        tags=TAGS,
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PayoutSerializer(page, many=True).data)


class PayoutMarkPaidView(APIView):
    role_map = {"POST": ADMIN, "OPTIONS": ADMIN}
    api_key_may_write = False

    @extend_schema(
        summary="Mark payouts paid under a reference (idempotent)",
        description=(
            "Pending payouts become `paid` with `paid_at` and `reference`. Sending it again changes "
            "nothing; a payout already paid under another reference is 409 `already_paid` (nothing "
            "changes); unknown ids are 400."
        ),
        request=MarkPaidSerializer,
        responses={200: MarkPaidResponseSerializer, **error_responses(400, 401, 403, 409, 415, 429)},
        tags=TAGS,
    )
    def post(self, request):
        data = MarkPaidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = services.payouts_mark_paid(
            organization_id=_org_id(request),
            ids=list(dict.fromkeys(data.validated_data["ids"])),
            reference=data.validated_data["reference"],
        )
        return Response({"results": [payout_representation(row) for row in rows]})


PAYOUT_COLUMNS = (
    "id",
    "auditor",
    "auditor_name",
    "visit",
    "fee",
    "expenses",
    "total",
    "currency",
    "status",
    "created_at",
    "paid_at",
    "reference",
)


def _payout_csv(rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PAYOUT_COLUMNS)
    for payout in rows.iterator(chunk_size=500):
        row = payout_representation(payout)
        writer.writerow(
            [
                row["id"],
                row["auditor"],
                neutralize(payout.auditor.display_name or payout.auditor.username),
                row["visit"],
                row["fee"],
                row["expenses"],
                row["total"],
                row["currency"],
                row["status"],
                row["created_at"],
                row["paid_at"] or "",
                neutralize(row["reference"]),
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


class PayoutExportView(GenericAPIView):
    role_map = {"GET": ADMIN, "HEAD": ADMIN, "OPTIONS": ADMIN}
    api_key_may_read = False
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsNegotiation
    filterset_class = PayoutFilter
    pagination_class = None

    def get_queryset(self):
        return selectors.payouts_visible_to(principal_of(self.request))

    @extend_schema(
        summary="Export payouts as CSV",
        operation_id="exports_payouts_csv",
        description="`text/csv` (UTF-8, CRLF), oldest first, same filters as the list. Columns: "
        + ", ".join(f"`{c}`" for c in PAYOUT_COLUMNS)
        + ". Money as decimal strings.",
        responses={
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="The CSV."),
            **error_responses(400, 401, 403, 429),
        },
        tags=TAGS,
    )
    def get(self, request):
        rows = selectors.payout_export(self.filter_queryset(self.get_queryset()))
        response = StreamingHttpResponse(_payout_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="payouts.csv"'
        response["Cache-Control"] = "no-store"
        return response
