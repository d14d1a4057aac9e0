"""Admin site: photos are read-only evidence (changing one would falsify a visit)."""

from django.contrib import admin

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "visit", "item_key", "width", "height", "reused", "created_at"]
    list_filter = ["reused", "organization"]
    search_fields = ["id", "visit__id", "item_key", "content_hash"]
    readonly_fields = [field.name for field in Photo._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
