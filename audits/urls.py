"""URL routes of the audits app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from .views import AssignmentViewSet, VisitViewSet

router = SimpleRouter()
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("visits", VisitViewSet, basename="visit")

urlpatterns = router.urls
