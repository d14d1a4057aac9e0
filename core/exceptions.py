"""Domain errors and the one exception handler that renders every error in the contract's shape.

Services raise Django's ``ValidationError`` or one of the small domain errors below; they know
nothing of HTTP. ``ExceptionHandler`` (plugged into drf-standardized-errors) maps them to
``{"type": ..., "errors": [{"code", "detail", "attr"}]}`` with the right status code.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from drf_standardized_errors.handler import exception_handler as _standard_handler
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error


class Conflict(exceptions.APIException):
    """409: the request is well-formed but clashes with the current state."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class ServiceUnavailable(exceptions.APIException):
    """503: a backing service (database, photo storage) does not answer; retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A backing service is unavailable; retry later."
    default_code = "service_unavailable"


class DomainConflict(Exception):
    """Raised by services when a write clashes with the current state (rendered as 409)."""

    def __init__(self, message: str, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.code = code


class StorageUnavailable(Exception):
    """Raised when the photo store cannot be reached (rendered as 503)."""


class ExceptionHandler(BaseExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(detail=as_serializer_error(exc))
        if isinstance(exc, DomainConflict):
            return Conflict(detail=exc.message, code=exc.code)
        if isinstance(exc, StorageUnavailable):
            return ServiceUnavailable(
                detail="Photo storage is unavailable; retry later.", code="storage_unavailable"
            )
        if isinstance(exc, (OperationalError, InterfaceError)):
            return ServiceUnavailable(
                detail="The database is unavailable; retry later.", code="database_unavailable"
            )
        if isinstance(exc, DatabaseError) and "connection" in str(exc).lower():
            return ServiceUnavailable(
                detail="The database is unavailable; retry later.", code="database_unavailable"
            )
        return super().convert_known_exceptions(exc)

    def get_headers(self, exc: exceptions.APIException) -> dict:
        headers = super().get_headers(exc)
        if exc.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
            headers.setdefault("Retry-After", "5")
        return headers


def exception_handler(exc, context):
    return _standard_handler(exc, context)


def error_body(status_code: int, code: str, detail: str, attr: str | None = None) -> dict:
    """The contract's error shape, for responses made outside DRF views (404 pages, health)."""
    kind = "client_error" if status_code < 500 else "server_error"
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}
