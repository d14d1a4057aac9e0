"""URL routes of the documents app (mounted under /api/v1/)."""

from django.urls import path

from .views import VisitReportPdfView

urlpatterns = [
    path("visits/<uuid:id>/report.pdf", VisitReportPdfView.as_view(), name="visit-report-pdf"),
]
