"""Request middleware: structured request logging, and the error shape on every API path.

Query strings and bodies are never logged (they may carry tokens or passwords).
"""

import logging
import time
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware

from .exceptions import error_body
from .principal import request_principal

logger = logging.getLogger("request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        principal = request_principal(request)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "organization_id": principal.organization_id if principal else None,
                "user_id": principal.pk if principal else None,
            },
        )
        return response


API_PREFIX = "/api/"
_JSON_TYPES = ("application/json", "application/problem+json")
_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "error",
}
# The replacement body has its own type and length; every other header (Allow, Retry-After, the CSP,
# security headers) is kept.
_BODY_HEADERS = {"content-type", "content-length", "content-disposition", "content-encoding"}


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


class ApiErrorShapeMiddleware:
    """Under ``/api/`` every error answers the contract's JSON shape, whatever ``DEBUG`` is.

    Django answers unknown URLs, unhandled exceptions outside DRF views and some non-API views' 405s
    with HTML (the debug pages when ``DEBUG`` is on); a client reading ``/api/`` expects
    ``{type, errors}``. Outermost, so it sees what every other layer produced.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code < 400 or not _is_api(request):
            return response
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type in _JSON_TYPES:
            return response

        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        code = _ERROR_CODES.get(status) or phrase.lower().replace(" ", "_").replace("-", "_")
        detail = "Server error." if status >= 500 else f"{phrase[:1]}{phrase[1:].lower()}."
        replacement = JsonResponse(error_body(status, code, detail), status=status)
        for name, value in response.items():
            if name.lower() not in _BODY_HEADERS:
                replacement[name] = value
        if hasattr(response, "close"):
            response.close()
        return replacement


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, except that a write to an API path missing its slash is a plain 404.

    A redirect would turn the write into a GET (and with ``DEBUG`` Django raises instead).
    """

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if _is_api(request) and request.method not in ("GET", "HEAD"):
            return False
        return super().should_redirect_with_slash(request)
