"""Pagination: ``{next, previous, results}`` with a bounded page size.

Cursor pagination gives a stable order and constant cost per page however deep a client
scrolls; ``page_size`` may be asked for from 1 to ``max_page_size``. A malformed ``page_size``
is a 400 naming the parameter, not silently ignored.

A cursor is opaque, but a client (or an attacker) can edit it. Every cursor that this API did not
make, or that no longer decodes to a position of the list's order (bad base64, ``p=not-a-date``, a
NUL, an id beyond 64 bits, a negative or absurd offset), is a 400 with code ``invalid_cursor`` and
``attr: "cursor"``: start again from the first page.
"""

import datetime as dt
from base64 import b64decode
from collections.abc import Sequence
from typing import Any
from urllib import parse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView

MAX_DB_INT = 2**63 - 1
#: Cursor tokens are short: an offset below ``offset_cutoff``, a flag and one ordering value.
MAX_TOKEN_LENGTH = 300


class DefaultPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: str | tuple[str, ...] = "-id"
    invalid_cursor_message = "Invalid cursor: start again from the first page (omit `cursor`)."

    def get_page_size(self, request: Request) -> int:
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        raw = values[-1]
        if (
            len(values) > 1
            or not raw.isascii()
            or not raw.isdigit()
            or len(raw) > len(str(self.max_page_size))  # int() refuses 4,300 digits and more
            or not 1 <= int(raw) <= self.max_page_size
        ):
            raise ValidationError(
                {self.page_size_query_param: [f"Must be one integer from 1 to {self.max_page_size}."]},
                code="invalid",
            )
        return int(raw)

    _model: type[models.Model] | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any, Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        # A queryset, or a stand-in for one that names its model (``fieldwork.selectors.CompiledBoard``).
        self._model = queryset.model if isinstance(queryset, QuerySet) else getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(querystring, keep_blank_values=True, strict_parsing=bool(querystring))
            if set(tokens) - {"o", "r", "p"} or any(len(v) != 1 for v in tokens.values()):
                raise ValueError("unknown or repeated token")
            if any(len(v[0]) > MAX_TOKEN_LENGTH or "\x00" in v[0] for v in tokens.values()):
                raise ValueError("token too long")
            offset = min(_natural(tokens.get("o", ["0"])[0]), self.offset_cutoff)  # as DRF clamps it
            reverse = tokens.get("r", ["0"])[0]
            if reverse not in ("0", "1"):
                raise ValueError("the direction is 0 or 1")
            position = tokens.get("p", [None])[0]
            if position is not None:
                self._check_position(position)
        except (TypeError, ValueError, OverflowError, DjangoValidationError):
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor"
            )
        # The stubs type a cursor's position as an int; DRF keeps it as the text it decoded.
        return Cursor(offset=offset, reverse=reverse == "1", position=position)  # type: ignore[arg-type]

    def _check_position(self, position: str) -> None:
        """The position must be a value the list's first ordering column can hold, in a form the
        database takes (raises ``ValueError``/``ValidationError`` otherwise)."""
        ordering = self.ordering[0] if isinstance(self.ordering, (list, tuple)) else self.ordering
        model = getattr(self, "_model", None)
        if model is None:
            return
        name = ordering.lstrip("-")
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            return
        value = field.to_python(position)
        if isinstance(field, models.DateTimeField):
            if not isinstance(value, dt.datetime) or value.utcoffset() is None:
                raise ValueError("a cursor's instant carries its offset")
            value.astimezone(dt.UTC)  # OverflowError near the ends of the calendar
        elif isinstance(field, (models.IntegerField, models.AutoField)):
            if not -MAX_DB_INT - 1 <= value <= MAX_DB_INT:
                raise ValueError("beyond any database integer")

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The pagination cursor value, taken from a `next` or `previous` link. "
                    "A cursor that was not made by this API answers 400 (`invalid_cursor`)."
                )
        return parameters


def _natural(text: str) -> int:
    """A token that must be a plain decimal integer of 0 or more."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError("not a non-negative integer")
    return int(text)


class CreatedPagination(DefaultPagination):
    ordering = ("-created_at", "-pk")


class OldestFirstPagination(DefaultPagination):
    ordering = ("at", "pk")
