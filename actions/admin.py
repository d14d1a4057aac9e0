"""Admin site view of corrective actions: read-only, since every step goes through the services
(which write the history and record webhook events together)."""

from django.contrib import admin

from core.readonly_admin import ReadOnlyAdmin

from .models import Action, ActionHistory


class ActionHistoryInline(admin.TabularInline):
    model = ActionHistory
    extra = 0
    can_delete = False
    fields = ("at", "step", "actor_role", "comment", "changes")
    readonly_fields = fields


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("id", "organization", "location", "source", "status", "due_date", "created_at")
    list_filter = ("status", "source", "organization")
    search_fields = ("id", "location__code", "location__name", "title", "item_key")
    list_select_related = ("organization", "location")
    inlines = [ActionHistoryInline]
