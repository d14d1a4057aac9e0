"""Pagination: ``{next, previous, results}`` with a bounded page size.

Cursor pagination gives a stable order and constant cost per page however deep a client
scrolls; ``page_size`` may be asked for from 1 to ``max_page_size``. A malformed ``page_size``
is a 400 naming the parameter, not silently ignored.
"""

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView


class DefaultPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: str | tuple[str, ...] = "-id"

    def get_page_size(self, request: Request) -> int:
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        raw = values[-1]
        if (
            len(values) > 1
            or not raw.isascii()
            or not raw.isdigit()
            or not 1 <= int(raw) <= self.max_page_size
        ):
            raise ValidationError(
                {self.page_size_query_param: [f"Must be one integer from 1 to {self.max_page_size}."]},
                code="invalid",
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


class CreatedPagination(DefaultPagination):
    ordering = ("-created_at", "-pk")


class OldestFirstPagination(DefaultPagination):
    ordering = ("at", "pk")
