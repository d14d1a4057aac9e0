"""HTTP layer for authentication, the caller, people, API keys, regions and locations.

Views parse input with a serializer, call one service or selector and render the result; the
tenancy filter lives in ``accounts.selectors`` and roles in each view's ``role_map``.
"""

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from core.exceptions import error_responses
from core.pagination import DefaultPagination
from core.permissions import ADMIN, EVERYONE, PEOPLE
from core.principal import principal_of
from core.roles import API_KEY_ROLE
from core.tenancy import get_scoped_or_404
from core.throttling import AuthRateThrottle

from . import selectors, services
from .authentication import Caller, caller_of, caller_organization
from .models import Organization
from .serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    LocationFilterSerializer,
    LocationSerializer,
    LocationWriteSerializer,
    MeSerializer,
    MeUpdateSerializer,
    OrganizationSettingsSerializer,
    RefreshedTokenPairSerializer,
    RegionSerializer,
    RegionWriteSerializer,
    StrictTokenObtainSerializer,
    StrictTokenRefreshSerializer,
    TokenPairSerializer,
    UserCreateSerializer,
    UserOutputSerializer,
    UserUpdateSerializer,
)

ADMIN_ONLY = {method: ADMIN for method in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")}
READ_ALL_WRITE_ADMIN = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE, "POST": ADMIN, "PATCH": ADMIN}


class CodeOrderPagination(DefaultPagination):
    ordering = ("code", "id")  # codes are unique per organization: a stable, readable order


class OldestIdPagination(DefaultPagination):
    ordering = ("id",)


if TYPE_CHECKING:
    # The mixin goes before a generic view: type-check it as one (at run time it is plain).
    _GenericViewBase = GenericAPIView[Any]
else:
    _GenericViewBase = object


class ScopedObjectMixin(_GenericViewBase):
    """``get_object`` through the tenancy layer: another organization's id is a plain 404."""

    def get_object(self) -> Any:
        return get_scoped_or_404(self.get_queryset(), pk=self.kwargs["pk"])


# --- Authentication -----------------------------------------------------------------------------


_token_pair_example = OpenApiExample(
    "Log in", value={"username": "alice", "password": "correct-horse-battery"}, request_only=True
)


class TokenObtainView(jwt_views.TokenObtainPairView):
    serializer_class = StrictTokenObtainSerializer
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        summary="Log in: exchange a username and password for an access and a refresh token",
        description=(
            "The username is matched as usernames are unique: ignoring case and compatibility look-alikes "
            "(`ALICE` logs in as `alice`). Inactive users are refused (401). Throttled per client address "
            "(429 + `Retry-After`). The refresh token is good for one refresh."
        ),
        responses={200: TokenPairSerializer, **error_responses(400, 401, 415, 429)},
        examples=[_token_pair_example],
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenRefreshView(jwt_views.TokenRefreshView):
    serializer_class = StrictTokenRefreshSerializer
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        summary="Exchange a refresh token, once, for a new access token and a new refresh token",
        description=(
            "Refresh tokens rotate: the answer carries a new `refresh`, and the one sent is spent "
            "(a second use is a 401). Expired, malformed or spent tokens, deactivated users and tokens "
            "issued before the person's password, role or activity changed are refused (401)."
        ),
        responses={200: RefreshedTokenPairSerializer, **error_responses(400, 401, 415, 429)},
        examples=[OpenApiExample("Refresh", value={"refresh": "eyJhbGciOi..."}, request_only=True)],
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


# --- Me -----------------------------------------------------------------------------------------


def me_payload(principal: Caller, organization_row: Organization) -> dict[str, Any]:
    organization = {"id": organization_row.pk, "name": organization_row.name}
    if principal.is_api_key:
        return {
            "id": None,
            "username": None,
            "display_name": principal.api_key.name,
            "role": API_KEY_ROLE,
            "organization": organization,
            "region_ids": [],
            "location_ids": [],
            "notifications": None,
        }
    region_ids, location_ids = selectors.user_scope_ids(principal)
    return {
        "id": principal.pk,
        "username": principal.username,
        "display_name": principal.display_name,
        "role": principal.role,
        "organization": organization,
        "region_ids": region_ids,
        "location_ids": location_ids,
        "notifications": principal.notification_preferences(),
    }


class MeView(APIView):
    role_map = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE, "PATCH": PEOPLE}
    api_key_may_write = False  # a key is nobody: it has no notifications to set

    @extend_schema(
        summary="Who am I: the caller's identity, role, organization, scopes and notification settings",
        description="An API key answers with `role: api_key`, null `id`/`username`/`notifications` and its "
        "name as `display_name`.",
        responses={200: MeSerializer, **error_responses(401, 403, 429)},
        tags=["accounts"],
    )
    def get(self, request):
        return Response(MeSerializer(me_payload(caller_of(request), caller_organization(request))).data)

    @extend_schema(
        summary="Switch notification kinds on or off",
        description=(
            "People only (an API key gets 403). `notifications` holds any of the kinds with `true` or "
            "`false`; kinds left out keep their value. Each role starts with every kind it hears switched on: "
            "admins and managers `critical_failure`, `low_score`, `dispute_opened`; staff `action_assigned`, "
            "`action_overdue`, `dispute_decided`; all three `weekly_digest`; auditors none. A kind the role "
            "never hears stays false (`true` is a 400 `not_for_role`); an unknown kind is a 400 "
            "`unknown_field` at `notifications.<kind>`."
        ),
        request=MeUpdateSerializer,
        responses={200: MeSerializer, **error_responses(400, 401, 403, 415, 429)},
        examples=[
            OpenApiExample(
                "No weekly digest", request_only=True, value={"notifications": {"weekly_digest": False}}
            )
        ],
        tags=["accounts"],
    )
    def patch(self, request):
        caller = caller_of(request)
        if caller.is_api_key:  # refused by the role map already; this narrows the caller to a person
            raise PermissionDenied()
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_notifications_update(
            user=caller, changes=serializer.validated_data.get("notifications", {})
        )
        return Response(MeSerializer(me_payload(user, caller_organization(request))).data)


# --- Organization settings ----------------------------------------------------------------------


class OrganizationView(APIView):
    """The caller's organization and its settings: everyone reads, admins change."""

    role_map = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE, "PATCH": ADMIN}
    api_key_may_write = False  # settings are the admin's, like users and keys

    @extend_schema(
        summary="The organization's settings",
        responses={200: OrganizationSettingsSerializer, **error_responses(401, 403, 429)},
        tags=["accounts"],
    )
    def get(self, request):
        organization = selectors.organization_of(caller_of(request))
        return Response(OrganizationSettingsSerializer(organization).data)

    @extend_schema(
        summary="Change the organization's name or settings (admin)",
        description="Ranges: days 1-365, `daily_claim_cap` 1-50, an IANA `timezone`, an ISO 4217 "
        "`currency`, a language tag for `default_language`. A name another organization has is a 409.",
        request=OrganizationSettingsSerializer,
        responses={200: OrganizationSettingsSerializer, **error_responses(400, 401, 403, 409, 413, 415, 429)},
        examples=[
            OpenApiExample(
                "Longer dispute window, in dollars",
                request_only=True,
                value={"dispute_window_days": 21, "currency": "USD", "timezone": "America/New_York"},
            )
        ],
        tags=["accounts"],
    )
    def patch(self, request):
        organization = selectors.organization_of(caller_of(request))
        serializer = OrganizationSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        organization = services.organization_update(organization=organization, **serializer.validated_data)
        return Response(OrganizationSettingsSerializer(organization).data)


# --- Users --------------------------------------------------------------------------------------

_user_example = OpenApiExample(
    "A manager of two regions",
    value={
        "username": "manny",
        "password": "a-long-passphrase",
        "display_name": "Manny Manager",
        "email": "manny@example.com",
        "role": "manager",
        "region_ids": [1, 2],
        "location_ids": [],
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List the organization's people",
        responses={200: UserOutputSerializer(many=True), **error_responses(401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Read one person",
        responses={200: UserOutputSerializer, **error_responses(401, 403, 404, 429)},
    ),
    create=extend_schema(
        summary="Create a person (role, and regions for managers or locations for staff)",
        request=UserCreateSerializer,
        responses={201: UserOutputSerializer, **error_responses(400, 401, 403, 409, 415, 429)},
        examples=[_user_example],
    ),
    partial_update=extend_schema(
        summary="Change a person's role, scopes, activity, name, email or password",
        request=UserUpdateSerializer,
        responses={200: UserOutputSerializer, **error_responses(400, 401, 403, 404, 409, 415, 429)},
        examples=[
            OpenApiExample(
                "Make staff of one location", value={"role": "staff", "location_ids": [7]}, request_only=True
            )
        ],
    ),
    destroy=extend_schema(
        summary="Deactivate a person (their visits stay; their tokens stop working)",
        responses={204: None, **error_responses(401, 403, 404, 409, 429)},
    ),
)
@extend_schema(tags=["accounts"])
class UserViewSet(ScopedObjectMixin, viewsets.GenericViewSet):
    """Admins only; API keys never read people's personal data."""

    role_map = ADMIN_ONLY
    api_key_may_read = False
    api_key_may_write = False
    serializer_class = UserOutputSerializer
    pagination_class = OldestIdPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.users_visible_to(principal_of(self.request))

    def _render(self, user, status_code=status.HTTP_200_OK):
        user = get_scoped_or_404(self.get_queryset(), pk=user.pk)  # fresh, with prefetched scopes
        return Response(UserOutputSerializer(user).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UserOutputSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(UserOutputSerializer(self.get_object()).data)

    def create(self, request):
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(organization=caller_organization(request), **serializer.validated_data)
        return self._render(user, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        user = self.get_object()
        serializer = UserUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._render(services.user_update(user=user, **serializer.validated_data))

    def destroy(self, request, pk=None):
        services.user_deactivate(user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- API keys -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List the organization's working API keys (never the keys themselves)",
        responses={200: ApiKeySerializer(many=True), **error_responses(401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Read one API key (never the key itself)",
        responses={200: ApiKeySerializer, **error_responses(401, 403, 404, 429)},
    ),
    create=extend_schema(
        summary="Create an API key: the full key is in this answer, and only here",
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer, **error_responses(400, 401, 403, 415, 429)},
        examples=[
            OpenApiExample(
                "Read-only reporting key", value={"name": "BI export", "scopes": ["read"]}, request_only=True
            ),
            OpenApiExample(
                "Key that may also write",
                value={"name": "Scheduler", "scopes": ["read", "write"]},
                request_only=True,
            ),
        ],
    ),
    destroy=extend_schema(
        summary="Revoke an API key at once",
        responses={204: None, **error_responses(401, 403, 404, 429)},
    ),
)
@extend_schema(tags=["accounts"])
class ApiKeyViewSet(ScopedObjectMixin, viewsets.GenericViewSet):
    """Admins only (people with JWTs): keys never manage keys."""

    role_map = ADMIN_ONLY
    api_key_may_read = False
    api_key_may_write = False
    serializer_class = ApiKeySerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.api_keys_visible_to(principal_of(self.request))

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApiKeySerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ApiKeySerializer(self.get_object()).data)

    def create(self, request):
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, raw = services.api_key_create(
            organization=caller_organization(request),
            created_by=caller_of(request).user_or_none(),
            **serializer.validated_data,
        )
        rendered = ApiKeyCreatedSerializer(api_key, context={"key": raw}).data
        return Response(rendered, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.api_key_revoke(api_key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Regions ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List the regions the caller sees",
        responses={200: RegionSerializer(many=True), **error_responses(401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Read one region",
        responses={200: RegionSerializer, **error_responses(401, 403, 404, 429)},
    ),
    create=extend_schema(
        summary="Create a region (code unique in the organization)",
        request=RegionWriteSerializer,
        responses={201: RegionSerializer, **error_responses(400, 401, 403, 409, 415, 429)},
        examples=[OpenApiExample("North", value={"code": "NORTH", "name": "North"}, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="Rename a region or change its code",
        request=RegionWriteSerializer(partial=True),
        responses={200: RegionSerializer, **error_responses(400, 401, 403, 404, 409, 415, 429)},
        examples=[OpenApiExample("Rename", value={"name": "North & Islands"}, request_only=True)],
    ),
)
@extend_schema(tags=["structure"])
class RegionViewSet(ScopedObjectMixin, viewsets.GenericViewSet):
    role_map = READ_ALL_WRITE_ADMIN
    serializer_class = RegionSerializer
    pagination_class = CodeOrderPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.regions_visible_to(principal_of(self.request))

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RegionSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(RegionSerializer(self.get_object()).data)

    def create(self, request):
        serializer = RegionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        region = services.region_create(
            organization=caller_organization(request), **serializer.validated_data
        )
        return Response(RegionSerializer(region).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        region = self.get_object()
        serializer = RegionWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        region = services.region_update(region=region, **serializer.validated_data)
        return Response(RegionSerializer(region).data)


# --- Locations ----------------------------------------------------------------------------------

_location_example = OpenApiExample(
    "A café in Amsterdam",
    value={
        "code": "AMS-01",
        "name": "Amsterdam Centraal",
        "region": 1,
        "address": "Stationsplein 1, Amsterdam",
        "latitude": 52.3791,
        "longitude": 4.9003,
        "timezone": "Europe/Amsterdam",
        "phone": "+31 20 123 4567",
        "website": "https://example.com/ams-01",
        "geofence_m": 300,
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List the locations the caller sees, by region or text search",
        parameters=[
            OpenApiParameter(
                "region",
                {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                description="Only this region's locations.",
            ),
            OpenApiParameter(
                "search",
                {"type": "string", "maxLength": 200},
                description="Case-insensitive match on name, code or address.",
            ),
        ],
        responses={200: LocationSerializer(many=True), **error_responses(400, 401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Read one location",
        responses={200: LocationSerializer, **error_responses(401, 403, 404, 429)},
    ),
    create=extend_schema(
        summary="Create a location (code unique in the organization, IANA time zone)",
        request=LocationWriteSerializer,
        responses={201: LocationSerializer, **error_responses(400, 401, 403, 409, 415, 429)},
        examples=[_location_example],
    ),
    partial_update=extend_schema(
        summary="Change a location",
        request=LocationWriteSerializer(partial=True),
        responses={200: LocationSerializer, **error_responses(400, 401, 403, 404, 409, 415, 429)},
        examples=[
            OpenApiExample(
                "Move and widen the geofence",
                value={"timezone": "Europe/London", "geofence_m": 800},
                request_only=True,
            )
        ],
    ),
)
@extend_schema(tags=["structure"])
class LocationViewSet(ScopedObjectMixin, viewsets.GenericViewSet):
    role_map = READ_ALL_WRITE_ADMIN
    serializer_class = LocationSerializer
    pagination_class = CodeOrderPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.locations_visible_to(principal_of(self.request))

    def list(self, request):
        # A plain dict, not the QueryDict: ``?region=`` is then a 400 like any other non-id.
        params = LocationFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        qs = selectors.location_list(principal=caller_of(request), **params.validated_data)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(LocationSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(LocationSerializer(self.get_object()).data)

    def create(self, request):
        serializer = LocationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        location = services.location_create(
            organization=caller_organization(request), **serializer.validated_data
        )
        return Response(LocationSerializer(location).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        location = self.get_object()
        serializer = LocationWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        location = services.location_update(location=location, **serializer.validated_data)
        return Response(LocationSerializer(location).data)
