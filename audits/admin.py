"""Admin site views of assignments and visits.

Visits are read-only here: their scores, history and outbox events are written together by
``audits.services``, and an edit in the admin would bypass all three.
"""

from django.contrib import admin

from .models import Answer, Assignment, Visit, VisitHistory


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "organization",
        "location",
        "checklist",
        "auditor",
        "status",
        "due_from",
        "due_until",
    )
    list_filter = ("status", "organization")
    search_fields = ("location__code", "location__name", "auditor__username", "instructions")
    raw_id_fields = ("location", "checklist", "checklist_version", "auditor", "created_by")
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("organization", "location", "checklist", "auditor")


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ("position", "section_key", "item_key", "value", "na", "comment", "score")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class HistoryInline(admin.TabularInline):
    model = VisitHistory
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "actor_api_key", "changes")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("id", "organization", "location", "kind", "status", "score", "passed", "started_at")
    list_filter = ("kind", "status", "passed", "off_site", "outside_window", "organization")
    search_fields = ("id", "location__code", "location__name")
    list_select_related = ("organization", "location")
    inlines = [AnswerInline, HistoryInline]
    exclude = ("request_body",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "request_body"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
