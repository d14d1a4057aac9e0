"""Photo request and response shapes (the contract's Visits/photos section)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import StrictSerializer

from . import storage
from .models import Photo


class PhotoUploadSerializer(StrictSerializer):
    """Multipart body of ``POST /visits/{id}/photos/``; the image's type is judged by its content."""

    id = serializers.UUIDField(help_text="Made by the phone; sending the same id again is a safe retry.")
    item = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="Key of the checklist item this photo documents; empty for a photo of the whole visit.",
    )
    image = serializers.FileField(
        allow_empty_file=False,
        use_url=False,
        help_text="JPEG, PNG, WebP or HEIC/HEIF, at most 20 MiB.",
    )


class PhotoSerializer(serializers.ModelSerializer):
    visit = serializers.UUIDField(source="visit_id", help_text="The visit the photo documents.")
    item = serializers.CharField(source="item_key", help_text="Checklist item key, or empty.")
    url = serializers.SerializerMethodField(help_text="Display size (1600 px), expires within 15 minutes.")
    thumbnail_url = serializers.SerializerMethodField(
        help_text="Thumbnail (400 px), expires within 15 minutes."
    )

    class Meta:
        model = Photo
        fields = [
            "id",
            "visit",
            "item",
            "width",
            "height",
            "taken_at",
            "url",
            "thumbnail_url",
            "reused",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "width": {"help_text": "Width of the upright display image, in pixels."},
            "height": {"help_text": "Height of the upright display image, in pixels."},
            "taken_at": {"help_text": "When the photo was taken (EXIF), null when unknown."},
            "reused": {"help_text": "True when it matches a photo of another visit of the organization."},
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, photo: Photo) -> str:
        return storage.photo_url(photo, "display", request=self.context.get("request"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, photo: Photo) -> str:
        return storage.photo_url(photo, "thumb", request=self.context.get("request"))
