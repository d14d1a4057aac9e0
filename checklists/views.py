"""HTTP endpoints for checklists and their versions (thin: parse, call a service or selector, render).

A version is immutable, so its tree carries a strong ``ETag``; a client that already holds it
sends ``If-None-Match`` and gets ``304 Not Modified`` with no body.
"""

import django_filters
from django.http import HttpResponseNotModified
from django.urls import reverse
from django.utils.http import parse_etags, quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.response import Response

from accounts.authentication import caller_of, caller_organization
from core.exceptions import ErrorResponseSerializer, error_responses
from core.languages import requested_language
from core.pagination import DefaultPagination
from core.permissions import ADMIN, EVERYONE
from core.principal import principal_of

from . import selectors, services
from .definition import language_etag
from .models import Channel
from .serializers import (
    ChecklistCreateSerializer,
    ChecklistSerializer,
    ChecklistUpdateSerializer,
    ChecklistVersionSerializer,
    VersionPublishSerializer,
    VersionSummarySerializer,
)

TAGS = ["checklists"]
# Private: the tree is the same for everyone who may read it, but who may read it varies. no-cache:
# clients keep their copy and revalidate cheaply with If-None-Match.
CACHE_CONTROL = "private, no-cache"

EXAMPLE_SECTIONS = [
    {
        "key": "greeting",
        "title": "Greeting",
        "weight": 2,
        "items": [
            {
                "key": "greeted_within_30s",
                "prompt": "Were you greeted within 30 seconds of walking in?",
                "type": "yes_no",
                "source": "Make a great first impression",
            },
            {
                "key": "welcome_warmth",
                "prompt": "How warm was the welcome?",
                "type": "scale",
                "scale_min": 1,
                "scale_max": 5,
            },
        ],
    },
    {
        "key": "resolution",
        "title": "Resolution",
        "items": [
            {
                "key": "problem_solved",
                "prompt": "Was your problem solved on first contact?",
                "type": "yes_no",
                "critical": True,
                "source": "Solve the customer's problem",
            },
            {
                "key": "transfers",
                "prompt": "Were you passed around?",
                "type": "choice",
                "options": [
                    {"key": "none", "label": "No", "points": 2},
                    {"key": "once", "label": "Once", "points": 1},
                    {"key": "bounced", "label": "Bounced around", "points": 0},
                ],
            },
            {"key": "minutes_waited", "prompt": "Minutes waited?", "type": "number", "pass_max": 5},
            {"key": "storefront", "prompt": "Photograph the storefront.", "type": "photo"},
        ],
    },
]
EXAMPLE_VERSION = {
    "checklist": 3,
    "number": 2,
    "published_at": "2026-11-20T09:00:00Z",
    "pass_threshold": 80.0,
    "etag": "5f0c6d1e9a3b4c2d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d",
    "sections": [
        {
            "key": "greeting",
            "title": "Greeting",
            "weight": 2,
            "items": [
                {
                    "key": "greeted_within_30s",
                    "prompt": "Were you greeted within 30 seconds of walking in?",
                    "help_text": "",
                    "type": "yes_no",
                    "weight": 1,
                    "critical": False,
                    "allow_na": False,
                    "source": "Make a great first impression",
                    "photo": {"min": 0, "max": 3},
                },
                {
                    "key": "minutes_waited",
                    "prompt": "Minutes waited?",
                    "help_text": "",
                    "type": "number",
                    "weight": 1,
                    "critical": False,
                    "allow_na": False,
                    "source": "",
                    "photo": {"min": 0, "max": 3},
                    "pass_min": None,
                    "pass_max": 5,
                },
            ],
        }
    ],
}
VALIDATION_EXAMPLE = OpenApiExample(
    "Every mistake, with its path",
    status_codes=["400"],
    response_only=True,
    value={
        "type": "validation_error",
        "errors": [
            {
                "code": "duplicate_key",
                "detail": "Duplicate item key 'smile' (also sections.0.items.1).",
                "attr": "sections.1.items.0.key",
            },
            {
                "code": "min_not_below_max",
                "detail": "scale_max must be greater than scale_min.",
                "attr": "sections.1.items.2.scale_max",
            },
        ],
    },
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201, 304],
    description="Strong validator of the tree.",
)
LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="A language tag (`fr`, `pt-BR`): every text is resolved to a string in the version's "
    "declared language that matches best (`fr-CA` finds `fr`), falling back to its default language; the "
    "answer has its own `ETag`. Without it, `Accept-Language` is used the same way; with neither, the tree "
    "carries every translation. A malformed tag is a 400 at `lang`.",
)
ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Used like `lang` when `lang` is absent (a malformed header is ignored).",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='ETags the client holds (`"<etag>"`, `W/"<etag>"`, a comma-separated list, or `*`): '
    "answered 304 with no body when one matches.",
)


class ChecklistFilter(django_filters.FilterSet):
    # ``?channel=`` (blank) is refused for every endpoint by core.query_params.
    channel = django_filters.ChoiceFilter(choices=Channel.choices, help_text="Only this channel.")


class VersionPagination(DefaultPagination):
    ordering = "-number"


def _if_none_match(request, etag: str) -> bool:
    """Weak comparison, as RFC 9110 prescribes for If-None-Match; ``*`` matches any version."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    quoted = quote_etag(etag)
    return any(tag.removeprefix("W/") == quoted for tag in parse_etags(header))


def _version_response(version, *, status_code=status.HTTP_200_OK, headers=None, lang=None) -> Response:
    data = ChecklistVersionSerializer(version, context={"lang": lang}).data
    headers = {
        "ETag": quote_etag(data["etag"]),
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Language",
        **(headers or {}),
    }
    return Response(data, status=status_code, headers=headers)


@extend_schema_view(
    list=extend_schema(
        summary="List checklists",
        description="Checklists of the caller's organization; auditors see only those their assignments need.",
        responses={200: ChecklistSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Read a checklist",
        responses={200: ChecklistSerializer, **error_responses(401, 403, 404, 429)},
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Create a checklist and publish version 1 (admin)",
        request=ChecklistCreateSerializer,
        responses={201: ChecklistSerializer, **error_responses(400, 401, 403, 413, 415, 429)},
        examples=[
            OpenApiExample(
                "A small in-store checklist",
                request_only=True,
                value={
                    "name": "Store visit",
                    "description": "Walk in your customer's shoes.",
                    "channel": "in_person",
                    "pass_threshold": 80,
                    "sections": EXAMPLE_SECTIONS,
                },
            ),
            VALIDATION_EXAMPLE,
        ],
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Rename or re-describe a checklist (admin)",
        description="Only `name`, `description` and `min_duration_minutes` change here; the definition changes by publishing a version.",
        request=ChecklistUpdateSerializer,
        responses={200: ChecklistSerializer, **error_responses(400, 401, 403, 404, 413, 415, 429)},
        examples=[
            OpenApiExample("Rename", request_only=True, value={"name": "Store visit (2027)"}),
        ],
        tags=TAGS,
    ),
)
class ChecklistViewSet(viewsets.GenericViewSet):
    role_map = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE, "POST": ADMIN, "PATCH": ADMIN}
    serializer_class = ChecklistSerializer
    filterset_class = ChecklistFilter

    def get_queryset(self):
        return selectors.checklists_visible_to(principal_of(self.request)).prefetch_related(
            "required_qualifications"
        )

    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ChecklistSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        checklist = selectors.checklist_get(principal=caller_of(request), checklist_id=pk)
        return Response(ChecklistSerializer(checklist).data)

    def create(self, request):
        serializer = ChecklistCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checklist = services.checklist_create(
            organization=caller_organization(request), **serializer.validated_data
        )
        location = reverse("checklist-detail", kwargs={"pk": checklist.pk})
        return Response(
            ChecklistSerializer(checklist).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def partial_update(self, request, pk=None):
        checklist = selectors.checklist_get(principal=caller_of(request), checklist_id=pk)
        serializer = ChecklistUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checklist = services.checklist_update(checklist=checklist, data=serializer.validated_data)
        return Response(ChecklistSerializer(checklist).data)


@extend_schema_view(
    list=extend_schema(
        summary="List a checklist's versions (newest first, without their trees)",
        responses={200: VersionSummarySerializer(many=True), **error_responses(401, 403, 404, 429)},
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Read a version's whole tree (with ETag; If-None-Match answers 304)",
        parameters=[LANG, ACCEPT_LANGUAGE, IF_NONE_MATCH, ETAG_HEADER],
        responses={
            200: OpenApiResponse(
                ChecklistVersionSerializer, examples=[OpenApiExample("Version 2", value=EXAMPLE_VERSION)]
            ),
            304: OpenApiResponse(
                description="Not modified: the client's copy (If-None-Match) is current. No body."
            ),
            **error_responses(400, 401, 403, 404, 429),
        },
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Publish the next version (admin)",
        description="Earlier versions never change: visits stay scored against the version they were made with.",
        request=VersionPublishSerializer,
        parameters=[ETAG_HEADER],
        responses={
            201: ChecklistVersionSerializer,
            **error_responses(400, 401, 403, 404, 413, 415, 429),
            409: OpenApiResponse(
                ErrorResponseSerializer,
                description="Another version was published at the same moment; retry.",
            ),
        },
        examples=[
            OpenApiExample(
                "Next version", request_only=True, value={"pass_threshold": 85, "sections": EXAMPLE_SECTIONS}
            ),
            VALIDATION_EXAMPLE,
        ],
        tags=TAGS,
    ),
)
class ChecklistVersionViewSet(viewsets.GenericViewSet):
    role_map = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE, "POST": ADMIN}
    serializer_class = ChecklistVersionSerializer
    pagination_class = VersionPagination
    filter_backends: list = []

    def list(self, request, checklist_id=None):
        checklist = selectors.checklist_get(principal=caller_of(request), checklist_id=checklist_id)
        page = self.paginate_queryset(selectors.version_list(checklist=checklist))
        return self.get_paginated_response(VersionSummarySerializer(page, many=True).data)

    def retrieve(self, request, checklist_id=None, number=None):
        version = selectors.version_get(
            principal=caller_of(request), checklist_id=checklist_id, number=number
        )
        lang = requested_language(request, version.languages)
        etag = version.etag if lang is None else language_etag(version.etag, lang)
        if _if_none_match(request, etag):
            response = HttpResponseNotModified()
            response["ETag"] = quote_etag(etag)
            response["Cache-Control"] = CACHE_CONTROL
            response["Vary"] = "Accept-Language"
            return response
        return _version_response(version, lang=lang)

    def create(self, request, checklist_id=None):
        checklist = selectors.checklist_get(principal=caller_of(request), checklist_id=checklist_id)
        serializer = VersionPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.checklist_version_publish(checklist=checklist, **serializer.validated_data)
        location = reverse(
            "checklist-version-detail", kwargs={"checklist_id": checklist.pk, "number": version.number}
        )
        return _version_response(version, status_code=status.HTTP_201_CREATED, headers={"Location": location})
