"""HTTP layer of calibrations (admins and managers) and of the pooled agreement report."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import caller_of
from audits.views import UUID_PATTERN
from core.exceptions import error_responses
from core.pagination import CreatedPagination
from core.permissions import ADMIN_MANAGER
from core.principal import principal_of
from core.tenancy import get_scoped_or_404

from . import selectors, services
from .rendering import calibration_representation
from .serializers import (
    AgreementQuerySerializer,
    AgreementReportSerializer,
    CalibrationCreateSerializer,
    CalibrationSerializer,
)

_calibration_id = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The calibration's UUID.")
_example = OpenApiExample(
    "Two auditors, one store, one week",
    value={
        "id": "0b7f6a52-3c1e-4d8a-9f21-6e5d4c3b2a10",
        "location": 7,
        "checklist": 3,
        "auditors": [12, 15],
        "due_from": "2026-11-23T08:00:00+01:00",
        "due_until": "2026-11-29T20:00:00+01:00",
    },
    request_only=True,
)


@extend_schema(tags=["calibrations"])
class CalibrationViewSet(viewsets.GenericViewSet):
    role_map = {"GET": ADMIN_MANAGER, "HEAD": ADMIN_MANAGER, "OPTIONS": ADMIN_MANAGER, "POST": ADMIN_MANAGER}
    # Results name auditors, which API keys never see.
    api_key_may_read = False
    api_key_may_write = False
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = UUID_PATTERN
    serializer_class = CalibrationSerializer
    pagination_class = CreatedPagination

    def get_queryset(self):
        return selectors.calibration_list(principal_of(self.request))

    @extend_schema(
        summary="List calibrations (admins, managers)",
        description="Newest first; managers see those at their regions' locations. No results here: read one.",
        responses={200: CalibrationSerializer(many=True), **error_responses(400, 401, 403, 429)},
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([calibration_representation(c) for c in page or []])

    @extend_schema(
        summary="Send several auditors to the same location on the same version (admins, managers)",
        description=(
            "One assignment per distinct auditor, all on the checklist's current version and the same window. "
            "Fewer than two distinct auditors, an auditor who is not an active auditor of the organization, a "
            "location outside the caller's scope or an unknown checklist: 400 naming each (`auditors.1`). "
            "The same `id` and body again answers 200 with the stored calibration; another body, 409."
        ),
        request=CalibrationCreateSerializer,
        responses={
            201: CalibrationSerializer,
            200: CalibrationSerializer,
            **error_responses(400, 401, 403, 409, 415, 429),
        },
        examples=[_example],
    )
    def create(self, request):
        data = CalibrationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        calibration, created = services.calibration_create(actor=caller_of(request), **data.validated_data)
        calibration = self.get_queryset().get(pk=calibration.pk)
        return Response(
            calibration_representation(calibration, selectors.calibration_result(calibration)),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="A calibration and its agreement (admins, managers)",
        description=(
            "Once two or more of its visits are submitted or approved: per scored item the ratings and "
            "whether all agree; `percent_agreement`; `alpha` (Krippendorff, interval, items as units, null "
            "where undefined); per auditor `distance_from_consensus`. N/A and hidden answers are missing "
            "values, never zeros. Before that, `items` and `per_auditor` are empty and the figures null."
        ),
        parameters=[_calibration_id],
        responses={200: CalibrationSerializer, **error_responses(401, 403, 404, 429)},
    )
    def retrieve(self, request, pk=None):
        calibration = get_scoped_or_404(self.get_queryset(), pk=pk)
        return Response(calibration_representation(calibration, selectors.calibration_result(calibration)))


class AgreementReportView(APIView):
    role_map = {"GET": ADMIN_MANAGER, "HEAD": ADMIN_MANAGER, "OPTIONS": ADMIN_MANAGER}
    api_key_may_read = False

    @extend_schema(
        summary="Rater agreement per item, pooled over calibrations (admins, managers)",
        description=(
            "Per checklist item rated in the calibrations due in the window: how many calibrations have two "
            "or more answers, the percent of those answered by all on which all agree, and Krippendorff's "
            "alpha with the calibrations as units and the answers at the item type's level (nominal for "
            "`yes_no` and `choice`, ordinal for `scale`, interval for `number`); null where undefined."
        ),
        parameters=[AgreementQuerySerializer],
        responses={200: AgreementReportSerializer, **error_responses(400, 401, 403, 429)},
        tags=["reports"],
    )
    def get(self, request):
        query = AgreementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.agreement_report(
            principal=caller_of(request),
            date_from=query.validated_data["from"],
            date_to=query.validated_data["to"],
            checklist_id=query.validated_data.get("checklist"),
        )
        return Response({"results": rows})
