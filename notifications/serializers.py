"""The inbox entry as the API renders it."""

from rest_framework import serializers

from .models import Notification


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    link = serializers.URLField(
        read_only=True, help_text="Where to look: an absolute link into the dashboard."
    )
    read_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null while unread.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "link", "created_at", "read_at", "updated_at"]
        read_only_fields = fields
