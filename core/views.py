"""Operational endpoints (health, readiness), the ReDoc page, and JSON error pages outside DRF views."""

import functools
import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularRedocView
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .exceptions import error_body

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
        return future.result(timeout=settings.READINESS_TIMEOUT_SECONDS)
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


# --- API docs: nothing is loaded from another host ---------------------------------------------
# drf-spectacular's ReDoc page links Google Fonts, and ReDoc's bundle shows a logo from
# cdn.redoc.ly. The page below has no external link, and the bundle is served with that one image
# source replaced (the image then fails to load and ReDoc hides it). The CSP forbids other hosts
# anyway; this keeps browsers from even trying.
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_EXTERNAL_LOADS = {b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"': b'src:"data:,"'}


@functools.cache
def _redoc_bundle() -> tuple[bytes, str]:
    path = finders.find(REDOC_BUNDLE)
    if not isinstance(path, str):
        raise FileNotFoundError(REDOC_BUNDLE)
    with open(path, "rb") as bundle:
        content = bundle.read()
    for external, local in REDOC_EXTERNAL_LOADS.items():
        content = content.replace(external, local)
    return content, f'"{hashlib.sha256(content).hexdigest()}"'


@require_safe
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    content, etag = _redoc_bundle()
    response: HttpResponse
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=86400)
    return response


class RedocView(SpectacularRedocView):
    template_name = "core/redoc.html"

    @staticmethod
    def _redoc_standalone() -> str:
        return reverse("redoc-bundle")
