"""Structured request logging: method, path, status, duration and organization, nothing secret.

Query strings and bodies are never logged (they may carry tokens or passwords).
"""

import logging
import time

logger = logging.getLogger("request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "principal", None) or getattr(request, "user", None)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "organization_id": getattr(user, "organization_id", None),
                "user_id": getattr(user, "pk", None),
            },
        )
        return response
