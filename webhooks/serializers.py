"""Shapes of webhook endpoints and their delivery log; request bodies are strict."""

from rest_framework import serializers

from core.serializers import StrictSerializer

from .models import Delivery, DeliveryAttempt, DeliveryStatus, EventType, Webhook


class WebhookSerializer(serializers.ModelSerializer):
    """An endpoint as it is read back: never with its secret."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices), read_only=True)

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "events",
            "is_active",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookWithSecretSerializer(WebhookSerializer):
    """The one response that shows the secret: creation and rotation."""

    secret = serializers.SerializerMethodField()

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, obj) -> str:
        return self.context["secret"]


class SecretField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(min_length=16, max_length=128, trim_whitespace=False, write_only=True, **kwargs)


class WebhookCreateSerializer(StrictSerializer):
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=len(EventType.values),
    )
    secret = SecretField(required=False, help_text="Optional; a strong secret is generated when absent.")


class WebhookUpdateSerializer(StrictSerializer):
    url = serializers.URLField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=len(EventType.values),
        required=False,
    )
    is_active = serializers.BooleanField(
        required=False, help_text="`true` re-enables a disabled endpoint and resumes what it was owed."
    )


class SecretRotateSerializer(StrictSerializer):
    secret = SecretField(required=False, help_text="Optional; a strong secret is generated when absent.")


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "at", "manual", "status_code", "duration_ms", "error", "next_retry_at"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id", read_only=True)
    # A plain string here: one enum (``EventsEnum``) names the event types in the schema.
    event_type = serializers.CharField(source="event.type", read_only=True, help_text="The event's type.")
    event_created_at = serializers.DateTimeField(source="event.created_at", read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    attempts = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "event_created_at",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
            "attempts",
        ]
        read_only_fields = fields
