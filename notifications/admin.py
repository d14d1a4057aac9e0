"""Admin site view of notifications: read-only, with a way to send failed emails again."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .delivery import emails_enqueue
from .models import EmailStatus, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = [
        "id",
        "organization",
        "recipient",
        "kind",
        "subject",
        "email_status",
        "created_at",
        "read_at",
    ]
    list_filter = ["kind", "email_status"]
    search_fields = ["subject", "recipient__username", "key"]
    list_select_related = ["organization", "recipient"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Send the email again (failed or skipped ones)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        ids = list(queryset.exclude(email_status=EmailStatus.SENT).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids).update(
            email_status=EmailStatus.PENDING, next_attempt_at=timezone.now(), attempt_count=0, swept_at=None
        )
        emails_enqueue(ids)
        self.message_user(request, f"{len(ids)} email(s) queued again.")
