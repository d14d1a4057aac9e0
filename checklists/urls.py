"""URL routes of the checklists app (mounted under /api/v1/)."""

urlpatterns: list = []
