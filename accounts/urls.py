"""URL routes of the accounts app (mounted under /api/v1/).

Detail routes match any segment (``locations/abc/`` is a 404 from the view, in the error shape);
deeper paths such as ``locations/<id>/trend/`` are left to the reports app.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("api-keys", views.ApiKeyViewSet, basename="api-key")
router.register("regions", views.RegionViewSet, basename="region")
router.register("locations", views.LocationViewSet, basename="location")

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("me/", views.MeView.as_view(), name="me"),
    path("organization/", views.OrganizationView.as_view(), name="organization"),
    *router.urls,
]
