"""Admin site views of assignments and visits, for back-office work: search, filter, read.

Both are read-only here: an assignment's status and a visit's scores, history and outbox events
are written together by ``audits.services``, and an edit in the admin would bypass them. An
organization's admins see their own organization's rows only; filter choices (locations,
checklists, auditors) come from those rows, never from another organization.
"""

from django.contrib import admin

from checklists.admin import ReadOnlyOrganizationAdmin, may_browse

from .models import Answer, Assignment, Visit, VisitHistory

_related_only = admin.RelatedOnlyFieldListFilter


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyOrganizationAdmin):
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
    list_filter = (
        "status",
        ("location", _related_only),
        ("checklist", _related_only),
        ("auditor", _related_only),
        "due_until",
        "organization",
    )
    search_fields = ("location__code", "location__name", "auditor__username", "instructions")
    list_select_related = ("organization", "location", "checklist", "auditor")


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ("position", "section_key", "item_key", "value", "na", "comment", "score")
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return may_browse(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


class HistoryInline(admin.TabularInline):
    model = VisitHistory
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "actor_api_key", "changes")
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return may_browse(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyOrganizationAdmin):
    list_display = ("id", "organization", "location", "kind", "status", "score", "passed", "started_at")
    list_filter = (
        "kind",
        "status",
        "passed",
        "off_site",
        "outside_window",
        ("location", _related_only),
        ("checklist", _related_only),
        "local_date",
        "organization",
    )
    search_fields = ("id", "location__code", "location__name", "auditor__username", "notes")
    list_select_related = ("organization", "location")
    inlines = [AnswerInline, HistoryInline]
    exclude = ("request_body", "request_hash", "revision_hash")

    def get_exclude(self, request, obj=None):
        return self.exclude

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name not in self.exclude]
