"""URL routes of the dashboard (mounted under /dashboard/). Plain Django views: not in the API schema."""

from django.urls import path

from . import views, visit_views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("locations/", views.RankingView.as_view(), name="ranking"),
    path("locations/<int:pk>/", views.LocationView.as_view(), name="location"),
    path("visits/<uuid:pk>/", visit_views.VisitView.as_view(), name="visit"),
    path("actions/", views.ActionsBoardView.as_view(), name="actions"),
    path("actions/<uuid:pk>/<slug:step>/", views.ActionStepView.as_view(), name="action-step"),
    path("disputes/", views.DisputesQueueView.as_view(), name="disputes"),
]
