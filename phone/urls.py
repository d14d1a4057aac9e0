"""Routes of the phone app (mounted under /app/). Plain Django views: not in the API schema."""

from django.urls import path

from . import views

app_name = "phone"

urlpatterns = [
    path("", views.shell, name="shell"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]
