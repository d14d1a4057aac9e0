"""URL routes of the checklists app (mounted under /api/v1/)."""

from django.urls import path

from .views import ChecklistVersionViewSet, ChecklistViewSet

checklist_list = ChecklistViewSet.as_view({"get": "list", "post": "create"})
checklist_detail = ChecklistViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
version_list = ChecklistVersionViewSet.as_view({"get": "list", "post": "create"})
version_detail = ChecklistVersionViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("checklists/", checklist_list, name="checklist-list"),
    path("checklists/<int:pk>/", checklist_detail, name="checklist-detail"),
    path("checklists/<int:checklist_id>/versions/", version_list, name="checklist-version-list"),
    path(
        "checklists/<int:checklist_id>/versions/<int:number>/",
        version_detail,
        name="checklist-version-detail",
    ),
]
