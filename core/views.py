"""Operational endpoints (health, readiness) and JSON error pages outside DRF views."""

import os
from concurrent.futures import Future, ThreadPoolExecutor

from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .exceptions import error_body

READINESS_TIMEOUT_SECONDS = 2.0
# Checks run in worker threads so that a hung database or store yields a prompt 503 instead of
# holding the request (and a load balancer's probe) until some socket timeout fires.
_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")


def storage_ok() -> bool:
    """The photo store answers: the bucket exists (S3) or the media root is writable (local)."""
    try:
        bucket = getattr(default_storage, "bucket", None)
        if bucket is not None:
            bucket.meta.client.head_bucket(Bucket=bucket.name)
            return True
        root: str | None = getattr(default_storage, "location", None)
        if not root:
            return False
        return os.path.isdir(root) and os.access(root, os.W_OK)
    except Exception:
        return False


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False
    finally:
        connection.close()


def _result(future: Future[bool]) -> bool:
    try:
        return future.result(timeout=READINESS_TIMEOUT_SECONDS)
    except Exception:
        return False


_health = inline_serializer("Health", {"status": serializers.CharField()})
_ready = inline_serializer(
    "Readiness",
    {
        "status": serializers.CharField(),
        "database": serializers.CharField(),
        "storage": serializers.CharField(),
    },
)


@extend_schema(
    summary="Liveness: 200 while the process lives", responses={200: _health}, auth=[], tags=["operations"]
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def healthz(request: Request) -> Response:
    return Response({"status": "ok"})


@extend_schema(
    summary="Readiness: 200 only when the database and photo storage answer",
    responses={200: _ready, 503: _ready},
    auth=[],
    tags=["operations"],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def readyz(request: Request) -> Response:
    pending = {"database": _checks.submit(database_ok), "storage": _checks.submit(storage_ok)}
    checks = {name: _result(future) for name, future in pending.items()}
    if all(checks.values()):
        return Response({"status": "ok", **{k: "ok" for k in checks}})
    failing = [name for name, ok in checks.items() if not ok]
    body = error_body(503, "service_unavailable", f"Not ready: {', '.join(failing)} unavailable.")
    body.update({k: ("ok" if v else "unavailable") for k, v in checks.items()})
    return Response(body, status=503, headers={"Retry-After": "5"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(404, "not_found", "Not found."), status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body(500, "error", "Server error."), status=500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(400, "bad_request", "Bad request."), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(403, "permission_denied", "Permission denied."), status=403)
