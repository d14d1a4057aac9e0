"""Admin site: browse checklists and their versions; rename checklists. Versions are read-only.

Definitions are created and published through the API or ``load_checklists`` so that they are
always validated and normalized; the admin site never edits a tree. An organization's admins see
their own organization's checklists only (``accounts.admin.OrganizationScopedAdmin``).
"""

import json

from django.contrib import admin
from django.utils.html import format_html

from accounts.admin import OrganizationScopedAdmin, _is_org_admin

from .models import Checklist, ChecklistVersion


def may_browse(request) -> bool:
    """Platform operators and an organization's admins (scoped by the admin class's queryset)."""
    return request.user.is_superuser or _is_org_admin(request)


class ReadOnlyOrganizationAdmin(OrganizationScopedAdmin):
    """Browse, search and filter; never add, change or delete (services own these writes)."""

    org_admin_may_add = False

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser:
            return filters
        # Another organization's name must not show up as a filter choice either.
        return [f for f in filters if "organization" not in (f if isinstance(f, str) else f[0])]


class ChecklistVersionInline(admin.TabularInline):
    model = ChecklistVersion
    readonly_fields = ("number", "pass_threshold", "published_at", "etag")
    fields = readonly_fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-number"]

    def has_view_permission(self, request, obj=None):
        return may_browse(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Checklist)
class ChecklistAdmin(OrganizationScopedAdmin):
    """Rename and describe; the tree is published through the API (new versions)."""

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

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return filters if request.user.is_superuser else [f for f in filters if f != "organization"]


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(ReadOnlyOrganizationAdmin):
    org_field = "checklist__organization"
    search_fields = ["checklist__name"]
    list_display = ["checklist", "number", "pass_threshold", "published_at"]
    list_filter = ["checklist__organization", "checklist__channel"]
    list_select_related = ["checklist"]
    readonly_fields = ("checklist", "number", "pass_threshold", "published_at", "etag", "tree")
    fields = readonly_fields

    @admin.display(description="Sections")
    def tree(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.sections, indent=2, ensure_ascii=False))
