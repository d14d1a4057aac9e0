"""URL routes of the webhooks app (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import DeliveryViewSet, WebhookViewSet

router = SimpleRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")

deliveries = DeliveryViewSet.as_view({"get": "list"})
delivery = DeliveryViewSet.as_view({"get": "retrieve"})
redeliver = DeliveryViewSet.as_view({"post": "redeliver"})

urlpatterns = [
    *router.urls,
    path("webhooks/<int:webhook_id>/deliveries/", deliveries, name="webhook-delivery-list"),
    path("webhooks/<int:webhook_id>/deliveries/<int:pk>/", delivery, name="webhook-delivery-detail"),
    path(
        "webhooks/<int:webhook_id>/deliveries/<int:pk>/redeliver/",
        redeliver,
        name="webhook-delivery-redeliver",
    ),
]
