"""Structured request logging: method, path, status, duration and organization, nothing secret.

Query strings and bodies are never logged (they may carry tokens or passwords).
"""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .principal import request_principal

logger = logging.getLogger("request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
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
