"""URL routes of fieldwork (mounted under /api/v1/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("auditors/<int:pk>/", views.AuditorProfileView.as_view(), name="auditor-profile"),
    path(
        "auditors/<int:pk>/qualifications/<str:code>/",
        views.AuditorQualificationView.as_view(),
        name="auditor-qualification",
    ),
    path("me/auditor/", views.MyAuditorProfileView.as_view(), name="me-auditor"),
    path("qualifications/", views.QualificationListView.as_view(), name="qualification-list"),
    path("jobs/", views.JobBoardView.as_view(), name="job-list"),
    path("jobs/<int:pk>/claim/", views.JobClaimView.as_view(), name="job-claim"),
    path("assignments/<int:pk>/release/", views.JobReleaseView.as_view(), name="assignment-release"),
    path("payouts/", views.PayoutListView.as_view(), name="payout-list"),
    path("payouts/mark-paid/", views.PayoutMarkPaidView.as_view(), name="payout-mark-paid"),
    path("exports/payouts.csv", views.PayoutExportView.as_view(), name="export-payouts"),
]
