"""URL routes of the disputes app (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import DisputeEvidenceView, DisputesReportView, DisputeViewSet, VisitDisputesView

router = SimpleRouter()
router.register("disputes", DisputeViewSet, basename="dispute")

urlpatterns = [
    path("visits/<uuid:visit_id>/disputes/", VisitDisputesView.as_view(), name="visit-disputes"),
    path("disputes/<uuid:pk>/evidence/", DisputeEvidenceView.as_view(), name="dispute-evidence"),
    path("reports/disputes/", DisputesReportView.as_view(), name="report-disputes"),
    *router.urls,
]
