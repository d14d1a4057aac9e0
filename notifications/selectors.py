"""Reads for notifications: a person's own inbox, nobody else's."""

from django.db.models import QuerySet

from core.principal import Principal

from .models import Notification


def notifications_of(principal: Principal) -> QuerySet[Notification]:
    """The caller's own notifications (an API key has none)."""
    if principal.is_api_key or principal.pk is None or principal.organization_id is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=principal.pk, organization_id=principal.organization_id)
