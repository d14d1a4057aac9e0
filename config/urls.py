"""Root URL configuration: the v1 API, its schema and docs, the dashboard, the phone app, health checks and the admin site."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views
from core.throttling import throttle_password_posts

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("checklists.urls")),
    path("", include("audits.urls")),
    path("", include("photos.urls")),
    path("", include("reports.urls")),
    path("", include("webhooks.urls")),
    path("", include("disputes.urls")),
    path("", include("actions.urls")),
    path("", include("calibrations.urls")),
    path("", include("fieldwork.urls")),
    path("", include("documents.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", core_views.RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/redoc/redoc.standalone.js", core_views.redoc_bundle, name="redoc-bundle"),
    path("dashboard/", include("dashboard.urls")),
    path("app/", include("phone.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    # The admin's password forms are throttled per address like the token endpoint (before the
    # admin's own routes, which they shadow; reverse("admin:login") still names the same path).
    path("admin/login/", throttle_password_posts(admin.site.login)),
    path(
        "admin/password_change/",
        throttle_password_posts(admin.site.admin_view(admin.site.password_change, cacheable=True)),
    ),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
