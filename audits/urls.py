"""URL routes of the audits app (mounted under /api/v1/)."""

urlpatterns: list = []
