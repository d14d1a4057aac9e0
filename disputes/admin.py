"""Admin site view of disputes: read-only, since opening and deciding go through the services
(which re-score the visit, write its history and record webhook events together)."""

from django.contrib import admin

from core.readonly_admin import ReadOnlyAdmin

from .models import Dispute, DisputeItem


class DisputeItemInline(admin.TabularInline):
    model = DisputeItem
    extra = 0
    can_delete = False
    fields = ("item_key", "reason", "proposed_value", "proposed_na", "original_value", "decision")
    readonly_fields = fields


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("id", "organization", "location", "status", "created_by_role", "opened_at", "decided_at")
    list_filter = ("status", "organization")
    search_fields = ("id", "location__code", "location__name", "comment")
    list_select_related = ("organization", "location")
    inlines = [DisputeItemInline]
