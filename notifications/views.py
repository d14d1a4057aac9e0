"""HTTP layer of the inbox: a person's own notifications, and marking one read.

Everyone who is a person has an inbox (API keys are nobody: 403). Another person's notification
answers 404, exactly like a missing one.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.exceptions import error_responses
from core.pagination import CreatedPagination
from core.permissions import PEOPLE
from core.principal import principal_of
from core.tenancy import get_scoped_or_404

from . import selectors, services
from .filters import NotificationFilter
from .serializers import NotificationSerializer

_notification_id = OpenApiParameter(
    "id", OpenApiTypes.INT64, OpenApiParameter.PATH, description="The notification's id."
)


@extend_schema(tags=["notifications"])
class NotificationViewSet(viewsets.GenericViewSet):
    role_map = {"GET": PEOPLE, "HEAD": PEOPLE, "OPTIONS": PEOPLE, "POST": PEOPLE}
    api_key_may_read = False  # a key is nobody: it has no inbox
    api_key_may_write = False
    http_method_names = ["get", "post", "head", "options"]
    serializer_class = NotificationSerializer
    pagination_class = CreatedPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter

    def get_queryset(self):
        return selectors.notifications_of(principal_of(self.request))

    @extend_schema(
        summary="Your notifications (the in-app inbox)",
        description=(
            "The caller's own notifications, newest first; the same news their emails carry. `kind` is the "
            "setting's name on `/api/v1/me/`. `unread=true` lists only unread ones; `updated_since` those new "
            "or read after an instant (strictly after; an instant without offset is UTC)."
        ),
        responses={200: NotificationSerializer(many=True), **error_responses(400, 401, 403, 429)},
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Read one of your notifications",
        parameters=[_notification_id],
        responses={200: NotificationSerializer, **error_responses(401, 403, 404, 429)},
    )
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(get_scoped_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(
        summary="Mark one of your notifications read (idempotent)",
        description="Sets `read_at`; marking it again keeps the first `read_at` and answers the same. "
        "No body.",
        parameters=[_notification_id],
        request=None,
        responses={200: NotificationSerializer, **error_responses(401, 403, 404, 429)},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def read(self, request, pk=None):
        notification = get_scoped_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(services.notification_mark_read(notification=notification)).data)
