"""Admin site: browse checklists and their versions; rename checklists. Versions are read-only.

Definitions are created and published through the API or ``load_checklists`` so that they are
always validated and normalized; the admin site never edits a tree.
"""

import json

from django.contrib import admin
from django.utils.html import format_html

from .models import Checklist, ChecklistVersion


class ChecklistVersionInline(admin.TabularInline):
    model = ChecklistVersion
    readonly_fields = ("number", "pass_threshold", "published_at", "etag")
    fields = readonly_fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "channel", "current_version", "builtin_key", "updated_at"]
    list_filter = ["channel", "organization"]
    search_fields = ["name", "description", "builtin_key"]
    readonly_fields = [
        "organization",
        "channel",
        "current_version",
        "builtin_key",
        "created_at",
        "updated_at",
    ]
    fields = ["name", "description", *readonly_fields]
    inlines = [ChecklistVersionInline]
    list_select_related = ["organization"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):
    list_display = ["checklist", "number", "pass_threshold", "published_at"]
    list_filter = ["checklist__organization", "checklist__channel"]
    list_select_related = ["checklist"]
    readonly_fields = ("checklist", "number", "pass_threshold", "published_at", "etag", "tree")
    fields = readonly_fields

    @admin.display(description="Sections")
    def tree(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.sections, indent=2, ensure_ascii=False))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
