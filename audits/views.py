"""HTTP layer of the audit loop: assignments (with sync), visits, review and history.

Views parse, call one service or selector, and render. Tenancy comes from ``audits.selectors``;
404 versus 403 follows one rule: what the caller cannot see is 404, what they can see but may not
change is 403 (services decide the latter after the scoped fetch).
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.authentication import caller_of
from core.exceptions import error_responses
from core.pagination import DefaultPagination, OldestFirstPagination
from core.permissions import ADMIN_MANAGER, EVERYONE
from core.principal import principal_of
from core.roles import API_KEY_ROLE, Role
from core.tenancy import get_scoped_or_404, shows_auditor_identity

from . import selectors, services
from .filters import ORDER_BY_RISK, AssignmentFilter, VisitFilter
from .serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    AssignmentUpdateSerializer,
    ReviewSerializer,
    VisitHistorySerializer,
    VisitSerializer,
    VisitSubmitSerializer,
)

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
SUBMITTERS = frozenset({Role.AUDITOR, Role.STAFF})


class SyncPagination(DefaultPagination):
    """Oldest change first, so a phone pages through a sync and keeps the last ``updated_at``."""

    ordering = ("updated_at", "id")


class VisitPagination(DefaultPagination):
    ordering = ("-started_at", "-id")

    def get_ordering(self, request, queryset, view):
        # ``?ordering=-risk`` (validated by ``VisitFilter``): risk, started_at and id descending, as
        # the one indexed column ``queue_key`` spells them (the cursor keeps a single position).
        if request.query_params.get("ordering") == ORDER_BY_RISK:
            return ("-queue_key",)
        return ("-started_at", "-id")


# --- assignments ------------------------------------------------------------------------------

_assignment_example = OpenApiExample(
    "Send an auditor for a week",
    value={
        "location": 7,
        "checklist": 3,
        "checklist_version": 2,
        "auditor": 12,
        "due_from": "2026-11-23T08:00:00+01:00",
        "due_until": "2026-11-29T20:00:00+01:00",
        "instructions": "Ask about the loyalty card at the counter.",
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List assignments (sync with updated_since)",
        description=(
            "Ordered by `updated_at`, then `id` (oldest change first). A phone keeps the greatest "
            "`updated_at` it received and asks again with `updated_since=` that instant: it gets exactly "
            "the rows changed after it, cancelled and expired ones included. Open assignments past "
            "`due_until` without a visit turn `expired` (and their `updated_at` moves) when read. "
            "Staff see none; auditors their own; managers their regions'. `auditor` is null except for "
            "admins and managers."
        ),
        responses={200: AssignmentSerializer(many=True), **error_responses(400, 401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Read one assignment",
        responses={200: AssignmentSerializer, **error_responses(401, 403, 404, 429)},
    ),
    create=extend_schema(
        summary="Send an auditor to a location with a checklist version and a due window",
        description=(
            "Admins anywhere in the organization, managers in their regions. A location outside the "
            "caller's scope, an unknown checklist or version, or a user who is not an active auditor "
            "answers 400 naming the field. `checklist_version` defaults to the current version."
        ),
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer, **error_responses(400, 401, 403, 415, 429)},
        examples=[_assignment_example],
    ),
    partial_update=extend_schema(
        summary="Change an open assignment's window or instructions, or cancel it",
        description="Only while `open`: 409 once submitted, expired or cancelled.",
        request=AssignmentUpdateSerializer,
        responses={200: AssignmentSerializer, **error_responses(400, 401, 403, 404, 409, 415, 429)},
        examples=[
            OpenApiExample("Cancel", value={"status": "cancelled"}, request_only=True),
            OpenApiExample(
                "Extend the window", value={"due_until": "2026-12-06T20:00:00+01:00"}, request_only=True
            ),
        ],
    ),
)
@extend_schema(tags=["assignments"])
class AssignmentViewSet(viewsets.GenericViewSet):
    role_map = {
        "GET": EVERYONE,
        "HEAD": EVERYONE,
        "OPTIONS": EVERYONE,
        "POST": ADMIN_MANAGER,
        "PATCH": ADMIN_MANAGER,
    }
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = AssignmentSerializer
    pagination_class = SyncPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AssignmentFilter

    def get_queryset(self):
        return selectors.assignment_list(principal_of(self.request))

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "show_auditor": shows_auditor_identity(principal_of(self.request)),
        }

    def _expire(self):
        services.assignments_expire(organization_id=principal_of(self.request).organization_id)

    def _render(self, pk, code=status.HTTP_200_OK):
        assignment = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(assignment).data, status=code)

    def list(self, request):
        self._expire()
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        self._expire()
        assignment = get_scoped_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(assignment).data)

    def create(self, request):
        data = AssignmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.assignment_create(actor=caller_of(request), **data.validated_data)
        return self._render(assignment.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = AssignmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.assignment_update(
            actor=caller_of(request), assignment_id=pk, data=data.validated_data
        )
        return self._render(assignment.pk)


# --- visits -----------------------------------------------------------------------------------

_visit_example = OpenApiExample(
    "A mystery visit",
    value={
        "id": "6f1c0d3e-8a4b-4c1e-9f7a-2b3c4d5e6f70",
        "assignment": 41,
        "location": 7,
        "checklist": 3,
        "checklist_version": 2,
        "kind": "mystery",
        "started_at": "2026-11-20T10:02:00+01:00",
        "ended_at": "2026-11-20T10:19:00+01:00",
        "position": {"latitude": 52.37, "longitude": 4.89, "accuracy_m": 12},
        "answers": [
            {"item": "greeted_within_30s", "value": True, "na": False, "comment": ""},
            {"item": "storefront", "value": None, "na": False, "comment": ""},
        ],
        "notes": "Busy lunchtime.",
    },
    request_only=True,
)
_self_assessment_example = OpenApiExample(
    "A self-assessment",
    value={
        "id": "0b9e2f4c-1d2e-4f3a-8b7c-6d5e4f3a2b1c",
        "location": 7,
        "checklist": 3,
        "kind": "self_assessment",
        "started_at": "2026-11-20T08:00:00+01:00",
        "ended_at": "2026-11-20T08:20:00+01:00",
        "answers": [{"item": "greeted_within_30s", "value": True}],
    },
    request_only=True,
)
_visit_id = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The visit's UUID.")


@extend_schema_view(
    list=extend_schema(
        summary="List visits",
        description=(
            "Newest first. `from`/`to` compare the visit's local date (in its location's time zone), "
            "both inclusive. `auditor` is null except for admins and managers."
        ),
        responses={200: VisitSerializer(many=True), **error_responses(400, 401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Read one visit, scored",
        parameters=[_visit_id],
        responses={200: VisitSerializer, **error_responses(401, 403, 404, 429)},
    ),
    create=extend_schema(
        summary="Submit a visit (idempotent on its phone-made id)",
        description=(
            "Mystery visits by auditors for their own open (or expired) assignment; self-assessments by "
            "staff for their own locations, without assignment. Every problem is reported at once with its "
            "path (`answers.3.value`). The same `id` with the same body (compared as JSON values) answers "
            "200 with the stored visit; with another body, or an id already used elsewhere, 409. "
            "A cancelled assignment, or one that already has a visit, is 409."
        ),
        request=VisitSubmitSerializer,
        responses={
            201: VisitSerializer,
            200: VisitSerializer,
            **error_responses(400, 401, 403, 409, 415, 429),
        },
        examples=[_visit_example, _self_assessment_example],
    ),
    update=extend_schema(
        summary="Correct a returned visit (its own auditor)",
        description=(
            "Only while `returned` (409 otherwise); only by whoever submitted it (403 for others who can "
            "see it). The whole body again: re-validated and re-scored on the same checklist version, then "
            "`submitted` again. `kind`, `assignment`, `location`, `checklist` and `checklist_version` may be "
            "left out and cannot change. Sending the accepted correction again answers 200 unchanged."
        ),
        parameters=[_visit_id],
        request=VisitSubmitSerializer,
        responses={200: VisitSerializer, **error_responses(400, 401, 403, 404, 409, 415, 429)},
        examples=[_visit_example],
    ),
)
@extend_schema(tags=["visits"])
class VisitViewSet(viewsets.GenericViewSet):
    role_map = {
        "GET": EVERYONE,
        "HEAD": EVERYONE,
        "OPTIONS": EVERYONE,
        "POST": SUBMITTERS,
        # Whether a visible visit may be revised or reviewed is the service's call (403 vs 404).
        "PUT": EVERYONE,
    }
    action_roles = {"review": EVERYONE}
    http_method_names = ["get", "post", "put", "head", "options"]
    lookup_value_regex = UUID_PATTERN
    serializer_class = VisitSerializer
    pagination_class = VisitPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = VisitFilter

    def get_queryset(self):
        return selectors.visit_list(principal_of(self.request))

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "show_auditor": shows_auditor_identity(principal_of(self.request)),
        }

    def _render(self, visit, code=status.HTTP_200_OK):
        return Response(self.get_serializer(visit).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._render(get_scoped_or_404(self.get_queryset(), pk=pk))

    def create(self, request):
        visit, created = services.visit_submit(actor=caller_of(request), data=request.data)
        if not created:
            visit = self.get_queryset().get(pk=visit.pk)
        return self._render(visit, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def update(self, request, pk=None):
        visit = services.visit_revise(actor=caller_of(request), visit_id=pk, data=request.data)
        return self._render(self.get_queryset().get(pk=visit.pk))

    @extend_schema(
        summary="Review a submitted visit: approve, return (with a comment) or reject",
        description=(
            "Admins and managers in scope (and write API keys); 403 for others who can see the visit. "
            "Only while `submitted`: 409 otherwise. `return` needs a `comment` saying what to correct."
        ),
        parameters=[_visit_id],
        request=ReviewSerializer,
        responses={200: VisitSerializer, **error_responses(400, 401, 403, 404, 409, 415, 429)},
        examples=[
            OpenApiExample("Approve", value={"decision": "approve", "comment": ""}, request_only=True),
            OpenApiExample(
                "Return for a correction",
                value={"decision": "return", "comment": "The wait was 12 minutes, not 2: please check."},
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def review(self, request, pk=None):
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_review(actor=caller_of(request), visit_id=pk, **data.validated_data)
        return self._render(self.get_queryset().get(pk=visit.pk))

    @extend_schema(
        summary="A visit's history, oldest first",
        description=(
            "Every change: `submitted`, `returned`, `revised`, `approved`, `rejected`, `rescored` (a dispute upheld). `actor` is "
            "`{id, display_name}`, or null for API keys, and null for staff and API keys whenever the actor "
            "is the visit's auditor."
        ),
        parameters=[_visit_id],
        responses={200: VisitHistorySerializer(many=True), **error_responses(401, 403, 404, 429)},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=OldestFirstPagination,
        serializer_class=VisitHistorySerializer,
    )
    def history(self, request, pk=None):
        visit = get_scoped_or_404(
            selectors.visits_visible_to(caller_of(request)).only("id", "auditor"), pk=pk
        )
        page = self.paginate_queryset(selectors.visit_history(visit))
        context = {
            "hide_auditor": caller_of(request).role in (Role.STAFF, API_KEY_ROLE),
            "auditor_id": visit.auditor_id,
        }
        return self.get_paginated_response(VisitHistorySerializer(page, many=True, context=context).data)
