"""The auditor's phone app (/app/): its page, its web app manifest and its service worker.

The app itself is static ES modules under ``phone/static/phone/`` that speak only the public API
(``/api/v1/``), as any third-party client would; this module serves what must live at /app/: the
shell page, the manifest, and the service worker (served from /app/ so that its scope covers the
app), which precaches the shell's assets under a cache named after their content.
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

#: Everything the app needs to start with no signal: precached by the service worker.
ASSETS = (
    "phone/app.css",
    "phone/app.mjs",
    "phone/dom.mjs",
    "phone/api.mjs",
    "phone/store.mjs",
    "phone/logic.mjs",
    "phone/outbox.mjs",
    "phone/visit.mjs",
    "phone/photos.mjs",
    "phone/icon-192.png",
    "phone/icon-512.png",
    "phone/vendor/idb-8.0.4.mjs",
    "phone/vendor/json-logic-2.0.5.js",
)

SHELL_TEMPLATE = Path(__file__).resolve().parent / "templates" / "phone" / "app.html"


def assets_version() -> str:
    """A digest of the assets' contents: a new release gets a new cache (and a new service worker).

    Computed once per process, except with DEBUG, where an edited file is picked up at once.
    """
    return _digest() if settings.DEBUG else _digest_once()


def _digest() -> str:
    digest = hashlib.sha256()
    found = [finders.find(name) for name in ASSETS]
    for path in [*found, str(SHELL_TEMPLATE)]:
        if isinstance(path, str):
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


_digest_once = cache(_digest)


@require_safe
def shell(request: HttpRequest) -> HttpResponse:
    """The app's one page: the modules draw every screen from IndexedDB and the API."""
    return render(request, "phone/app.html", {"version": assets_version()})


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    body = {
        "name": "Mystery audits",
        "short_name": "Audits",
        "description": "Your assignments and visits, offline first.",
        "id": "/app/",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "icons": [
            {"src": static("phone/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("phone/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        ],
    }
    response = JsonResponse(body)
    response["Content-Type"] = "application/manifest+json"
    return response


@never_cache
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker's script, always revalidated so a new release reaches phones at their next start."""
    response = render(
        request,
        "phone/sw.js",
        {"version": assets_version(), "assets": json.dumps([static(name) for name in ASSETS])},
        content_type="text/javascript",
    )
    response["Service-Worker-Allowed"] = "/app/"
    return response
