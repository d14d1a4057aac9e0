"""HTTP layer of disputes: open one on a visit, list and read, add evidence, decide; the report.

Views parse, call one service or selector, and render. What the caller cannot see is 404; what
they can see but may not do is 403 (decided by the role map, or by the service after the scoped fetch).
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import caller_of
from audits.views import UUID_PATTERN
from core.exceptions import error_responses
from core.pagination import DefaultPagination
from core.permissions import ADMIN_MANAGER, EVERYONE
from core.principal import principal_of
from core.roles import API_KEY_ROLE, Role
from core.tenancy import get_scoped_or_404
from photos.serializers import PhotoUploadSerializer
from photos.views import PhotoPagination, VisitPhotosView, upload_responses
from reports.serializers import ScopeQuerySerializer
from reports.views import ReportView

from . import selectors, services
from .filters import DisputeFilter
from .serializers import (
    DisputeDecisionSerializer,
    DisputeOpenSerializer,
    DisputeReportSerializer,
    DisputeSerializer,
    EvidenceSerializer,
    dispute_representation,
)

DISPUTERS = frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF, API_KEY_ROLE})
_dispute_id = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The dispute's UUID."
)


class DisputePagination(DefaultPagination):
    ordering = ("-opened_at", "-id")


_open_example = OpenApiExample(
    "Dispute the wait",
    value={
        "id": "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d",
        "comment": "The till log shows the order at 10:04.",
        "items": [
            {
                "item": "wait_minutes",
                "reason": "The receipt shows a two-minute wait.",
                "proposed": {"value": 2, "na": False},
            }
        ],
    },
    request_only=True,
)


class VisitDisputesView(APIView):
    """``POST /visits/{id}/disputes/``: open a dispute on a visit."""

    role_map = {"POST": DISPUTERS, "OPTIONS": EVERYONE}

    @extend_schema(
        tags=["disputes"],
        summary="Dispute items of a mystery visit (idempotent on its client-made id)",
        description=(
            "Location staff, the region's managers, admins and `write` API keys, on a `mystery` visit that "
            "is `submitted` or `approved`, within the organization's `dispute_window_days` of the visit's "
            "first submission. Each item names a scored, visible item of the visit, not disputed before, "
            "with a `reason` and a `proposed` answer that fits the item (`na` only where allowed) and "
            "differs from the visit's. Every problem is reported at once with its path "
            "(`items.0.proposed.value`). The same `id` with the same body answers 200 with the stored "
            "dispute; with another body, or an id used elsewhere, 409. 409 also for a visit that is not "
            "disputable (`not_disputable`), past the window (`dispute_window_closed`), with an open dispute "
            "(`dispute_already_open`), or an item disputed before (`item_already_disputed`, `attr` naming it)."
        ),
        parameters=[
            OpenApiParameter(
                "visit_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The visit's UUID."
            )
        ],
        request=DisputeOpenSerializer,
        responses={
            201: DisputeSerializer,
            200: OpenApiResponse(
                DisputeSerializer, description="The same id and body again: the stored dispute."
            ),
            **error_responses(400, 401, 403, 404, 409, 415, 429),
        },
        examples=[_open_example],
    )
    def post(self, request, visit_id):
        dispute, created = services.dispute_open(
            actor=caller_of(request), visit_id=visit_id, data=request.data
        )
        if not created:
            dispute = selectors.dispute_list(caller_of(request)).get(pk=dispute.pk)
        return Response(
            dispute_representation(dispute), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(tags=["disputes"])
class DisputeViewSet(viewsets.GenericViewSet):
    role_map = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE}
    action_roles = {"decision": ADMIN_MANAGER}
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = UUID_PATTERN
    serializer_class = DisputeSerializer
    pagination_class = DisputePagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = DisputeFilter

    def get_queryset(self):
        return selectors.dispute_list(principal_of(self.request))

    @extend_schema(
        summary="List disputes",
        description=(
            "Newest first. `from`/`to` compare the disputed visit's local date, both inclusive. The visit's "
            "auditor sees its disputes; nobody is shown who opened one (`created_by_role` only), and nothing "
            "here says who audited the visit."
        ),
        responses={200: DisputeSerializer(many=True), **error_responses(400, 401, 403, 429)},
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([dispute_representation(d) for d in page or []])

    @extend_schema(
        summary="Read one dispute",
        parameters=[_dispute_id],
        responses={200: DisputeSerializer, **error_responses(401, 403, 404, 429)},
    )
    def retrieve(self, request, pk=None):
        return Response(dispute_representation(get_scoped_or_404(self.get_queryset(), pk=pk)))

    @extend_schema(
        summary="Decide every disputed item at once (admins, the region's managers)",
        description=(
            "An admin, a manager of the location's region or a `write` API key who did not open the dispute "
            "(403 otherwise). Every disputed item is decided, once: missing ones are a 400 at `items` "
            "(`undecided_items`), others at `items.N.item`. Upheld items take the proposed answer and the "
            "visit is re-scored at once for every report and the export; it keeps `original_score` and gets "
            "a `rescored` history entry; its status does not change. The dispute becomes `upheld`, "
            "`partially_upheld` or `rejected`. 409 once decided (`dispute_decided`) and while the visit is "
            "returned to its auditor (`visit_returned`)."
        ),
        parameters=[_dispute_id],
        request=DisputeDecisionSerializer,
        responses={200: DisputeSerializer, **error_responses(400, 401, 403, 404, 409, 415, 429)},
        examples=[
            OpenApiExample(
                "Uphold",
                value={
                    "comment": "The receipt settles it.",
                    "items": [{"item": "wait_minutes", "decision": "upheld"}],
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def decision(self, request, pk=None):
        dispute = services.dispute_decide(actor=caller_of(request), dispute_id=pk, data=request.data)
        return Response(dispute_representation(dispute))


class DisputeEvidenceView(VisitPhotosView):
    """``/disputes/{id}/evidence/``: photos for a dispute, through the visit photos' pipeline."""

    role_map = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE, "POST": DISPUTERS}
    serializer_class = EvidenceSerializer
    pagination_class = PhotoPagination

    @extend_schema(
        tags=["disputes"],
        summary="List a dispute's evidence photos (links expire within 15 minutes)",
        parameters=[_dispute_id],
        responses={200: EvidenceSerializer(many=True), **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, pk):
        dispute = selectors.dispute_for_evidence(caller_of(request), pk)
        page = self.paginate_queryset(selectors.evidence_of(dispute))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=["disputes"],
        summary="Add an evidence photo to an open dispute (multipart; retry-safe on its id)",
        description=(
            "Exactly like visit photos (`id`, `item`, `image`; same types, limits and processing), while the "
            "dispute is `open` (409 `dispute_closed` after). `item` is one of the disputed items or empty; "
            "the item's `photo.max` counts this dispute's evidence. Allowed to those who may dispute the "
            "visit: its location's staff, the region's managers, admins and `write` API keys."
        ),
        parameters=[_dispute_id],
        request={"multipart/form-data": PhotoUploadSerializer},
        responses=upload_responses(
            EvidenceSerializer,
            conflict="The id belongs to another photo target, the dispute is decided, or photo.max is reached.",
        ),
    )
    def post(self, request, pk):
        dispute = selectors.dispute_for_evidence(caller_of(request), pk)
        return self.upload(
            request,
            lambda **picture: services.evidence_add(actor=caller_of(request), dispute=dispute, **picture),
        )


class DisputesReportView(ReportView):
    query_serializer_class = ScopeQuerySerializer

    @extend_schema(
        tags=["reports"],
        summary="Disputes per location: rates, upheld rate, median hours to decision",
        description=(
            "Per location with counted visits in the window (and `overall`): `visits` counts the mystery "
            "visits that trends count (submitted or approved; `status` narrows), `disputes` their disputes, "
            "`dispute_rate` = disputes / visits, `decided` the disputes decided, `upheld` those decided "
            "`upheld` or `partially_upheld`, `upheld_rate` = upheld / decided (rates in percent, two "
            "decimals, null when the divisor is 0), and the median hours from opening to decision. "
            "`from`/`to` select by the visit's local date. Highest dispute rate first."
        ),
        parameters=[ScopeQuerySerializer],
        responses={200: DisputeReportSerializer, **error_responses(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "Disputes",
                value={
                    "overall": {
                        "visits": 200,
                        "disputes": 8,
                        "dispute_rate": 4.0,
                        "decided": 7,
                        "upheld": 2,
                        "upheld_rate": 28.57,
                        "median_hours_to_decision": 30.5,
                    },
                    "results": [
                        {
                            "location": {"id": 7, "code": "AMS-01", "name": "Amsterdam Centraal"},
                            "visits": 26,
                            "disputes": 2,
                            "dispute_rate": 7.69,
                            "decided": 2,
                            "upheld": 1,
                            "upheld_rate": 50.0,
                            "median_hours_to_decision": 20.0,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        filters = self.parse_query().filters()
        report = selectors.disputes_report(principal=caller_of(request), filters=filters)
        return Response(DisputeReportSerializer(report).data)
