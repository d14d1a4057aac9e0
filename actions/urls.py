"""URL routes of corrective actions (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ActionEvidenceView, ActionsReportView, ActionViewSet

router = SimpleRouter()
router.register("actions", ActionViewSet, basename="action")

urlpatterns = [
    path("actions/<uuid:pk>/evidence/", ActionEvidenceView.as_view(), name="action-evidence"),
    path("reports/actions/", ActionsReportView.as_view(), name="report-actions"),
    *router.urls,
]
