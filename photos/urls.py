"""URL routes of the photos app (mounted under /api/v1/)."""

urlpatterns: list = []
