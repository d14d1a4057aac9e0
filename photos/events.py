"""Webhook events of photos, built from the model (never from a serializer)."""

from typing import Any

from accounts.models import Organization
from core.events import EventType, event_publish
from core.rendering import dt_representation

from .models import Photo


def photo_event_data(photo: Photo) -> dict[str, Any]:
    """``photo.added`` data: the photo as an API key reads it, minus links that would expire long
    before a delayed delivery (receivers fetch fresh ones from the photo list)."""
    return {
        "id": str(photo.pk),
        "visit": str(photo.visit_id),
        "item": photo.item_key,
        "width": photo.width,
        "height": photo.height,
        "taken_at": dt_representation(photo.taken_at),
        "reused": photo.reused,
        "created_at": dt_representation(photo.created_at),
    }


def photo_added_publish(photo: Photo, *, organization: Organization) -> None:
    event_publish(organization=organization, type=EventType.PHOTO_ADDED, data=photo_event_data(photo))
