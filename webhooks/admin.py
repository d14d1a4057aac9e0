"""Admin site: endpoints (secret hidden, URL read-only) and their delivery log, read-only."""

from django.contrib import admin

from .models import Delivery, DeliveryAttempt, Event, Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "url", "is_active", "failing_since", "disabled_reason"]
    list_filter = ["is_active"]
    search_fields = ["url"]
    exclude = ["secret"]
    # Endpoints are registered through the API, where the URL is checked and the secret shown once.
    readonly_fields = [
        "organization",
        "url",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "manual", "at", "status_code", "duration_ms", "error", "next_retry_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "webhook",
        "event",
        "status",
        "attempt_count",
        "next_attempt_at",
        "last_status_code",
    ]
    list_filter = ["status"]
    list_select_related = ["webhook", "event"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [DeliveryAttemptInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "type", "created_at"]
    list_filter = ["type"]
    readonly_fields = ["id", "organization", "type", "data", "created_at"]
