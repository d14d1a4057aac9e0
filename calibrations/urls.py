"""URL routes of calibrations (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AgreementReportView, CalibrationViewSet

router = SimpleRouter()
router.register("calibrations", CalibrationViewSet, basename="calibration")

urlpatterns = [
    path("reports/agreement/", AgreementReportView.as_view(), name="report-agreement"),
    *router.urls,
]
