"""Domain errors and the one exception handler that renders every error in the contract's shape.

Services raise Django's ``ValidationError`` or one of the small domain errors below; they know
nothing of HTTP. ``ExceptionHandler`` (plugged into drf-standardized-errors) maps them to
``{"type": ..., "errors": [{"code", "detail", "attr"}]}`` with the right status code.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from drf_spectacular.utils import OpenApiResponse
from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from rest_framework import exceptions, serializers, status
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
    """Raised by services when a write clashes with the current state (rendered as 409).

    ``attr`` names the field of the body the clash is about (``items.0.item``), when there is one.
    """

    def __init__(self, message: str, code: str = "conflict", attr: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.attr = attr


class RetentionError(Exception):
    """A retention request (``forget_auditor``, ``purge_photos``) that cannot be carried out as asked."""


class StorageUnavailable(Exception):
    """Raised when the photo store cannot be reached (rendered as 503)."""


class _FlatAPIException(exceptions.APIException):
    """One error said plainly; keeps the headers (``WWW-Authenticate``, ``Retry-After``) of the
    exception it stands for, which the handler reads from these attributes."""

    auth_header: str | None = None
    wait: float | None = None


def _flatten_detail(exc: exceptions.APIException, detail: Mapping[str, Any]) -> exceptions.APIException:
    """simplejwt raises errors whose detail is a dict (``detail``, ``code``, ``messages``); one
    error in the contract's shape says the same thing without echoing token internals."""
    flat = _FlatAPIException(
        detail=str(detail.get("detail") or exc.default_detail),
        code=str(detail.get("code") or exc.default_code),
    )
    flat.status_code = exc.status_code
    flat.auth_header = getattr(exc, "auth_header", None)
    flat.wait = getattr(exc, "wait", None)
    return flat


class ExceptionHandler(BaseExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RequestDataTooBig):
            return PayloadTooLarge(detail="The request body is too large.", code="too_large")
        if isinstance(exc, TooManyFieldsSent):
            return exceptions.ValidationError(
                {"non_field_errors": ["Too many fields."]}, code="too_many_fields"
            )
        if isinstance(exc, SuspiciousOperation):
            return exceptions.ParseError(detail="Malformed request.")
        if (
            isinstance(exc, exceptions.APIException)
            and not isinstance(exc, exceptions.ValidationError)
            and isinstance(exc.detail, dict)
        ):
            return _flatten_detail(exc, exc.detail)
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(detail=as_serializer_error(exc))
        if isinstance(exc, DomainConflict):
            if exc.attr:
                return Conflict(detail={exc.attr: [exceptions.ErrorDetail(exc.message, exc.code)]})
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

    def get_headers(self, exc: exceptions.APIException) -> dict[str, str]:
        headers = super().get_headers(exc)
        if exc.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
            headers.setdefault("Retry-After", "5")
        return headers


def error_body(status_code: int, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    """The contract's error shape, for responses made outside DRF views (404 pages, health)."""
    kind = "client_error" if status_code < 500 else "server_error"
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}


# --- OpenAPI: the error responses an operation documents ---------------------------------------
# ``core.openapi.AutoSchema`` documents the errors any request can get on every operation; an
# operation lists more specific descriptions with ``error_responses(400, 404, ...)``.


class ErrorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Machine-readable, e.g. `required`, `not_found`, `conflict`.")
    detail = serializers.CharField(help_text="Human-readable explanation.")
    attr = serializers.CharField(
        allow_null=True, help_text="Path of the offending field (`answers.3.value`), or null."
    )


class ErrorResponseSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(
        choices=[
            ("validation_error", "validation_error"),
            ("client_error", "client_error"),
            ("server_error", "server_error"),
        ],
        help_text="`validation_error` (a field fails validation), `client_error` (another 4xx) or `server_error` (5xx).",
    )
    # The contract's key is ``errors``, which the stubs see shadowing ``Serializer.errors``; at run
    # time DRF's metaclass moves declared fields off the class, so nothing is shadowed.
    errors = ErrorSerializer(many=True)  # type: ignore[assignment]


_ERROR_DOCS = {
    400: "Invalid request: malformed JSON or a field that fails validation (`attr` names it).",
    401: "Not authenticated, or the token/key is invalid, expired or revoked.",
    403: "Authenticated, but this role or key may not do this.",
    404: "Not found, or not visible to the caller (the same answer).",
    405: "Method not allowed on this path.",
    409: "Conflicts with the current state (e.g. a duplicate code).",
    413: "The request body is too large.",
    415: "Unsupported media type: send `application/json`.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "A backing service is unavailable; retry later (`Retry-After`).",
}


def error_response(description: str) -> OpenApiResponse:
    """One documented error answer in the contract's error shape, described for its endpoint."""
    return OpenApiResponse(response=ErrorResponseSerializer, description=description)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse}`` in the contract's error shape, for ``@extend_schema(responses=...)``."""
    return {code: error_response(_ERROR_DOCS[code]) for code in codes}
