"""HTTP layer for webhooks: endpoint CRUD, secret rotation, the delivery log and redelivery.

Admins manage endpoints; API keys may read them (never the secret) but not change them, not even
with the ``write`` scope. Other organizations' endpoints answer 404.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.authentication import caller_of, caller_organization
from core.exceptions import error_responses
from core.permissions import ADMIN
from core.principal import principal_of
from core.tenancy import get_scoped_or_404

from . import selectors, services
from .models import Delivery, DeliveryStatus
from .serializers import (
    DeliverySerializer,
    SecretRotateSerializer,
    WebhookCreateSerializer,
    WebhookSerializer,
    WebhookUpdateSerializer,
    WebhookWithSecretSerializer,
)

TAGS = ["webhooks"]
ADMIN_ONLY = {"GET": ADMIN, "HEAD": ADMIN, "OPTIONS": ADMIN, "POST": ADMIN, "PATCH": ADMIN, "DELETE": ADMIN}

CREATE_EXAMPLE = OpenApiExample(
    "Subscribe to visits",
    value={"url": "https://hooks.example.com/audits", "events": ["visit.submitted", "visit.reviewed"]},
    request_only=True,
)


class WebhookViewSet(viewsets.GenericViewSet):
    """``/api/v1/webhooks/``: list, create, read, PATCH, DELETE and ``rotate-secret``."""

    role_map = ADMIN_ONLY
    api_key_may_write = False
    serializer_class = WebhookSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.webhooks_visible_to(principal_of(self.request))

    def get_object(self):
        return get_scoped_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        summary="List webhook endpoints",
        tags=TAGS,
        responses={200: WebhookSerializer(many=True), **error_responses(400, 401, 403, 429)},
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset().order_by("-id"))
        return self.get_paginated_response(WebhookSerializer(page, many=True).data)

    @extend_schema(
        summary="Register a webhook endpoint",
        description="The response shows `secret` this once; it is never shown again. URLs must reach "
        "a public address (checked now and at every delivery).",
        tags=TAGS,
        request=WebhookCreateSerializer,
        responses={201: WebhookWithSecretSerializer, **error_responses(400, 401, 403, 413, 415, 429)},
        examples=[CREATE_EXAMPLE],
    )
    def create(self, request):
        body = WebhookCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        webhook, secret = services.webhook_create(
            organization=caller_organization(request),
            created_by=caller_of(request).user_or_none(),
            **body.validated_data,
        )
        data = WebhookWithSecretSerializer(webhook, context={"secret": secret}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Read a webhook endpoint",
        tags=TAGS,
        responses={200: WebhookSerializer, **error_responses(401, 403, 404, 429)},
    )
    def retrieve(self, request, pk=None):
        return Response(WebhookSerializer(self.get_object()).data)

    @extend_schema(
        summary="Change a webhook endpoint",
        description='`{"is_active": true}` re-enables an endpoint that was disabled and resumes the '
        "deliveries it was owed.",
        tags=TAGS,
        request=WebhookUpdateSerializer,
        responses={200: WebhookSerializer, **error_responses(400, 401, 403, 404, 413, 415, 429)},
        examples=[OpenApiExample("Re-enable", value={"is_active": True}, request_only=True)],
    )
    def partial_update(self, request, pk=None):
        webhook = self.get_object()
        body = WebhookUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        webhook = services.webhook_update(webhook=webhook, **body.validated_data)
        return Response(WebhookSerializer(webhook).data)

    @extend_schema(
        summary="Delete a webhook endpoint",
        tags=TAGS,
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def destroy(self, request, pk=None):
        services.webhook_delete(webhook=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate a webhook's signing secret",
        description="Signs every later attempt with the new secret, shown in this response only.",
        tags=TAGS,
        request=SecretRotateSerializer,
        responses={200: WebhookWithSecretSerializer, **error_responses(400, 401, 403, 404, 413, 415, 429)},
        examples=[OpenApiExample("Generate a new secret", value={}, request_only=True)],
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        webhook = self.get_object()
        body = SecretRotateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        webhook, secret = services.webhook_rotate_secret(webhook=webhook, **body.validated_data)
        return Response(WebhookWithSecretSerializer(webhook, context={"secret": secret}).data)


STATUS_PARAM = OpenApiParameter(
    "status", str, enum=DeliveryStatus.values, description="Only deliveries in this state."
)


class DeliveryViewSet(viewsets.GenericViewSet):
    """``/api/v1/webhooks/{webhook_id}/deliveries/``: the attempts log and manual redelivery."""

    role_map = ADMIN_ONLY
    api_key_may_write = False
    serializer_class = DeliverySerializer

    def webhook(self):
        return get_scoped_or_404(
            selectors.webhooks_visible_to(principal_of(self.request)), pk=self.kwargs["webhook_id"]
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        status_filter = self.request.query_params.get("status")
        if status_filter is not None and status_filter not in DeliveryStatus.values:
            raise ValidationError(
                {
                    "status": ValidationError(
                        f"Choose one of: {', '.join(DeliveryStatus.values)}.", code="invalid_choice"
                    )
                }
            )
        return selectors.deliveries_of(self.webhook(), status=status_filter)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        summary="List a webhook's deliveries with every attempt",
        description="Newest first. Each attempt shows its time, status code, duration, error and the "
        "next retry it scheduled.",
        tags=TAGS,
        parameters=[STATUS_PARAM],
        responses={200: DeliverySerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
    )
    def list(self, request, webhook_id=None):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Read one delivery",
        tags=TAGS,
        responses={200: DeliverySerializer, **error_responses(401, 403, 404, 429)},
    )
    def retrieve(self, request, webhook_id=None, pk=None):
        return Response(DeliverySerializer(self.get_object()).data)

    @extend_schema(
        summary="Redeliver an event now",
        description="Queues a fresh attempt (same event id, new timestamp and signature) with a fresh "
        "retry schedule. 409 while the endpoint is disabled or an attempt is in flight.",
        tags=TAGS,
        request=None,
        responses={202: DeliverySerializer, **error_responses(401, 403, 404, 409, 429)},
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, webhook_id=None, pk=None):
        delivery = services.delivery_redeliver(delivery=self.get_object())
        return Response(
            DeliverySerializer(selectors.deliveries_of(delivery.webhook).get(pk=delivery.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )
