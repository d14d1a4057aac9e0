"""HTTP layer of corrective actions: list (with sync), read, create, edit, resolve, verify, reopen,
history, evidence; the report.

Views parse, call one service or selector, and render. What the caller cannot see is 404; what
they can see but may not do is 403 (the role map, or the service after the scoped fetch).
Auditors never see actions: every route refuses them.
"""

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action as route
from rest_framework.response import Response

from accounts.authentication import caller_of
from audits.views import UUID_PATTERN
from core.exceptions import error_responses
from core.pagination import DefaultPagination, OldestFirstPagination
from core.permissions import ADMIN_MANAGER
from core.principal import principal_of
from core.roles import API_KEY_ROLE, Role
from photos.serializers import PhotoUploadSerializer
from photos.views import PhotoPagination, VisitPhotosView, upload_responses
from reports.views import ReportView

from . import selectors, services
from .filters import ActionFilter
from .rendering import action_representation, history_representation
from .serializers import (
    ActionCreateSerializer,
    ActionEvidenceSerializer,
    ActionHistorySerializer,
    ActionReportQuerySerializer,
    ActionReportSerializer,
    ActionSerializer,
    ActionUpdateSerializer,
    ReopenSerializer,
    ResolveSerializer,
    VerifySerializer,
)

READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF, API_KEY_ROLE})
RESOLVERS = frozenset({Role.ADMIN, Role.STAFF})
_action_id = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The action's UUID."
)
_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 415, 429)


class ActionPagination(DefaultPagination):
    """Soonest due first; with ``updated_since``, oldest change first (a phone's sync keeps the last one)."""

    ordering = ("due_date", "id")

    def get_ordering(self, request, queryset, view):
        if "updated_since" in request.query_params:
            return ("updated_at", "id")
        return ("due_date", "id")


def _rendered(action):
    return Response(action_representation(action, now=timezone.now()))


@extend_schema(tags=["actions"])
class ActionViewSet(viewsets.GenericViewSet):
    role_map = {
        "GET": READERS,
        "HEAD": READERS,
        "OPTIONS": READERS,
        "POST": ADMIN_MANAGER,
        "PATCH": ADMIN_MANAGER,
    }
    action_roles = {
        "resolve": RESOLVERS,
        "verify": ADMIN_MANAGER,
        "reopen": ADMIN_MANAGER,
        "history": READERS,
    }
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = UUID_PATTERN
    serializer_class = ActionSerializer
    pagination_class = ActionPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActionFilter

    def get_queryset(self):
        return selectors.action_list(principal_of(self.request), timezone.now())

    @extend_schema(
        summary="List corrective actions (sync with updated_since)",
        description=(
            "Admins, API keys, the region's managers and the location's staff; never auditors (403). "
            "Soonest due first; with `updated_since`, oldest change first so a phone can sync: it keeps "
            "the last `updated_at` it received and asks again from that instant. `overdue` is true "
            "while an action is `open` after its `due_date` in the location's time zone."
        ),
        responses={200: ActionSerializer(many=True), **error_responses(400, 401, 403, 429)},
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        now = timezone.now()
        return self.get_paginated_response([action_representation(a, now=now) for a in page or []])

    @extend_schema(
        summary="Read one action",
        parameters=[_action_id],
        responses={200: ActionSerializer, **error_responses(401, 403, 404, 429)},
    )
    def retrieve(self, request, pk=None):
        return _rendered(selectors.action_for(principal_of(request), pk, timezone.now()))

    @extend_schema(
        summary="Create a manual action (idempotent on its client-made id)",
        description=(
            "Managers (for their regions' locations), admins and `write` API keys. `due_date` is today or "
            "later in the location's time zone (400 `past` otherwise). `visit` (optional) must be a visit of "
            "that location, and `item` (only with `visit`) an item of its checklist. A location or visit out "
            "of your scope is a 400 naming it. The same `id` with the same body answers 200 with the stored "
            "action; with another body 409 (`idempotency_conflict`), an id used elsewhere 409 (`id_taken`)."
        ),
        request=ActionCreateSerializer,
        responses={
            201: ActionSerializer,
            200: OpenApiResponse(
                ActionSerializer, description="The same id and body again: the stored action."
            ),
            **_WRITE_ERRORS,
        },
        examples=[
            OpenApiExample(
                "Train the evening shift",
                value={
                    "id": "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b",
                    "location": 7,
                    "title": "Greet every caller by name",
                    "description": "Brief the evening shift on the phone greeting.",
                    "due_date": "2026-12-18",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request):
        body = ActionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        action, created = services.action_create(actor=caller_of(request), data=body.validated_data)
        return Response(
            action_representation(action, now=timezone.now()),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Edit an action's title, description or due date",
        description=(
            "Managers and admins, while the action is `open` or `resolved` (409 `action_closed` after). A new "
            "`due_date` must be today or later in the location's time zone. Every change is in the history "
            "(`updated`) and sends `action.updated`."
        ),
        parameters=[_action_id],
        request=ActionUpdateSerializer,
        responses={200: ActionSerializer, **_WRITE_ERRORS},
    )
    def partial_update(self, request, pk=None):
        body = ActionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _rendered(
            services.action_update(actor=caller_of(request), action_id=pk, data=body.validated_data)
        )

    @extend_schema(
        summary="Resolve an action: say what was changed (the location's staff)",
        description=(
            "The location's staff (and admins, `write` API keys): `open` → `resolved`, with a `resolution` "
            "that is not blank. Add evidence photos at `/actions/{id}/evidence/`. Sending the same "
            "resolution again after it took effect answers the stored action; any other wrong state is 409 "
            "(`invalid_transition`)."
        ),
        parameters=[_action_id],
        request=ResolveSerializer,
        responses={200: ActionSerializer, **_WRITE_ERRORS},
    )
    @route(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def resolve(self, request, pk=None):
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _rendered(
            services.action_resolve(actor=caller_of(request), action_id=pk, **body.validated_data)
        )

    @extend_schema(
        summary="Verify a resolved action (managers, admins)",
        description="`resolved` → `verified`, with an optional comment. 409 `invalid_transition` from any other state.",
        parameters=[_action_id],
        request=VerifySerializer,
        responses={200: ActionSerializer, **_WRITE_ERRORS},
    )
    @route(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def verify(self, request, pk=None):
        body = VerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _rendered(
            services.action_verify(actor=caller_of(request), action_id=pk, **body.validated_data)
        )

    @extend_schema(
        summary="Reopen a resolved action: the fix did not hold (managers, admins)",
        description=(
            "`resolved` → `open`, with a `comment` saying what is still wrong and optionally a new `due_date` "
            "(today or later). The resolution is cleared (the history keeps it). 409 `invalid_transition` "
            "from any other state."
        ),
        parameters=[_action_id],
        request=ReopenSerializer,
        responses={200: ActionSerializer, **_WRITE_ERRORS},
    )
    @route(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reopen(self, request, pk=None):
        body = ReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _rendered(
            services.action_reopen(actor=caller_of(request), action_id=pk, **body.validated_data)
        )

    @extend_schema(
        summary="An action's history, oldest first",
        description=(
            "Every step: `created`, `updated`, `resolved`, `verified`, `reopened`, `cancelled` (an upheld "
            "dispute removed the failure), with who did it (`{id, display_name}`, null for API keys and for "
            "actions made by an approval's system step), their role, the comment and the changes."
        ),
        parameters=[_action_id],
        responses={200: ActionHistorySerializer(many=True), **error_responses(401, 403, 404, 429)},
    )
    @route(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=OldestFirstPagination,
        serializer_class=ActionHistorySerializer,
    )
    def history(self, request, pk=None):
        action = selectors.action_for(principal_of(request), pk, timezone.now())
        page = self.paginate_queryset(selectors.action_history(action))
        return self.get_paginated_response([history_representation(entry) for entry in page or []])


class ActionEvidenceView(VisitPhotosView):
    """``/actions/{id}/evidence/``: proof of the fix, through the visit photos' pipeline."""

    role_map = {"GET": READERS, "HEAD": READERS, "OPTIONS": READERS, "POST": RESOLVERS}
    serializer_class = ActionEvidenceSerializer
    pagination_class = PhotoPagination

    @extend_schema(
        tags=["actions"],
        summary="List an action's evidence photos (links expire within 15 minutes)",
        parameters=[_action_id],
        responses={200: ActionEvidenceSerializer(many=True), **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, pk):
        action = selectors.action_for(caller_of(request), pk, timezone.now())
        page = self.paginate_queryset(selectors.evidence_of(action))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=["actions"],
        summary="Add an evidence photo to an action (multipart; retry-safe on its id)",
        description=(
            "Exactly like visit photos (`id`, `item`, `image`; same types, limits and processing), while the "
            "action is `open` or `resolved` (409 `action_closed` after). `item` is the action's item or empty; "
            f"at most {services.EVIDENCE_MAX} photos per action and item. Sent by those who resolve: the "
            "location's staff, admins and `write` API keys."
        ),
        parameters=[_action_id],
        request={"multipart/form-data": PhotoUploadSerializer},
        responses=upload_responses(
            ActionEvidenceSerializer,
            conflict="The id belongs to another photo, the action is closed, or the limit is reached.",
        ),
    )
    def post(self, request, pk):
        action = selectors.action_for(caller_of(request), pk, timezone.now())
        return self.upload(
            request,
            lambda **picture: services.evidence_add(actor=caller_of(request), action=action, **picture),
        )


class ActionsReportView(ReportView):
    query_serializer_class = ActionReportQuerySerializer

    @extend_schema(
        tags=["reports"],
        summary="Corrective actions per location: open, overdue, on-time rate, days to verify; recurring items",
        description=(
            "Per location with actions in the window (and `overall`): `created` (cancelled ones left out), "
            "how many are `open`, `overdue`, `resolved` and `verified` now, `on_time_rate` (resolved by the "
            "due date, over those resolved or verified plus those open past their due date; percent, two "
            "decimals, null when none) and the median days from creation to verification. `from`/`to` select "
            "by the visit's local date (a manual action without a visit: its creation's). Most overdue first. "
            "`recurring`: items whose action was verified and that failed again (a critical failure) in a "
            "later approved visit of that location, the later visit's local date in the window."
        ),
        parameters=[ActionReportQuerySerializer],
        responses={200: ActionReportSerializer, **error_responses(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "Actions",
                value={
                    "overall": {
                        "created": 40,
                        "open": 9,
                        "overdue": 3,
                        "resolved": 6,
                        "verified": 25,
                        "on_time_rate": 77.14,
                        "median_days_to_verify": 6.5,
                    },
                    "results": [
                        {
                            "location": {"id": 7, "code": "AMS-01", "name": "Amsterdam Centraal"},
                            "created": 6,
                            "open": 2,
                            "overdue": 1,
                            "resolved": 1,
                            "verified": 3,
                            "on_time_rate": 60.0,
                            "median_days_to_verify": 8.0,
                        }
                    ],
                    "recurring": [
                        {
                            "location": {"id": 7, "code": "AMS-01", "name": "Amsterdam Centraal"},
                            "item": "greeting",
                            "failed_again": 2,
                            "last_failed_on": "2026-11-28",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        filters = self.parse_query().filters()
        report = selectors.actions_report(principal=caller_of(request), filters=filters, now=timezone.now())
        return Response(ActionReportSerializer(report).data)
