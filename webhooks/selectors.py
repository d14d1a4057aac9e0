"""Reads for webhooks: endpoints and their delivery log, scoped to the caller's organization."""

from django.db.models import Prefetch, QuerySet

from core.principal import Principal
from core.tenancy import scope_rows

from .models import Delivery, DeliveryAttempt, Webhook


def webhooks_visible_to(principal: Principal) -> QuerySet[Webhook]:
    """The caller's organization's endpoints (the views admit admins only)."""
    return scope_rows(Webhook.objects.all(), principal, location=None)


def deliveries_of(webhook: Webhook, *, status: str | None = None) -> QuerySet[Delivery]:
    """A webhook's deliveries, newest first, with their event and every attempt in two extra queries."""
    qs = (
        Delivery.objects.filter(webhook=webhook)
        .select_related("event")
        .prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("number")))
    )
    if status:
        qs = qs.filter(status=status)
    return qs
