"""URL routes of the reports app (mounted under /api/v1/).

The two trend paths sit under the accounts app's ``locations/`` and ``regions/`` prefixes; they
are explicit paths so no router of another app shadows them.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("locations/<int:pk>/trend/", views.LocationTrendView.as_view(), name="location-trend"),
    path("regions/<int:pk>/trend/", views.RegionTrendView.as_view(), name="region-trend"),
    path("reports/location-ranking/", views.LocationRankingView.as_view(), name="report-location-ranking"),
    path("reports/item-performance/", views.ItemPerformanceView.as_view(), name="report-item-performance"),
    path("reports/perception-gap/", views.PerceptionGapView.as_view(), name="report-perception-gap"),
    path("reports/auditors/", views.AuditorReportView.as_view(), name="report-auditors"),
    path("exports/visits.csv", views.VisitExportView.as_view(), name="export-visits-csv"),
]
