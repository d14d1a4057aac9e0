"""URL routes of the photos app (mounted under /api/v1/)."""

from django.urls import path

from .views import PhotoFileView, VisitPhotosView

urlpatterns = [
    path("visits/<uuid:visit_id>/photos/", VisitPhotosView.as_view(), name="visit-photos"),
    path("photos/<uuid:pk>/file/", PhotoFileView.as_view(), name="photo-file"),
]
