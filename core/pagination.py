"""Pagination: ``{next, previous, results}`` with a bounded page size.

Cursor pagination gives a stable order and constant cost per page however deep a client
scrolls; ``page_size`` may be asked for up to ``max_page_size``.
"""

from rest_framework.pagination import CursorPagination


class DefaultPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


class CreatedPagination(DefaultPagination):
    ordering = ("-created_at", "-pk")


class OldestFirstPagination(DefaultPagination):
    ordering = ("at", "pk")
