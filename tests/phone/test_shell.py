"""What the server gives the phone app: its page, manifest and service worker (Django's test client).

The app must start with no signal once installed, so every module it imports must be in the
service worker's precache list; it must run under the project's CSP (no inline script); it must be
installable (a manifest with a start URL and scope inside the worker's scope, 192 and 512 px
icons); and it may call only the public API's routes.
"""

import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import Resolver404, resolve
from PIL import Image

from phone.views import ASSETS

STATIC = Path(__file__).resolve().parents[2] / "phone" / "static" / "phone"
SAMPLES = ("", "1", "6f1c0d3e-0000-4000-8000-000000000001")


def worker_assets(client) -> list[str]:
    body = client.get("/app/sw.js").content.decode()
    return json.loads(re.search(r"const ASSETS = (\[.*?\]);", body).group(1))


def test_the_app_page_loads_only_its_own_files_with_no_inline_script(client):
    response = client.get("/app/?lang=fr")
    html = response.content.decode()
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attributes and body.strip() == "" for attributes, body in scripts)
    assert '<script type="module" src="/static/phone/app.mjs">' in html
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in html
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/app/manifest.webmanifest")
    manifest = response.json()
    assert response["Content-Type"] == "application/manifest+json"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/app/", "/app/", "standalone")
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert image.format == "PNG"
            sizes.add(image.width)
    assert {192, 512} <= sizes


def test_the_worker_covers_the_app_and_is_always_revalidated(client):
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/app/"
    assert "no-cache" in response["Cache-Control"]
    assert 'const SHELL = "/app/";' in response.content.decode()


def test_every_module_the_app_imports_is_precached(client):
    """Offline, a module missing from the worker's cache would stop the app from starting."""
    precached = set(worker_assets(client))
    assert precached == {f"/static/{name}" for name in ASSETS}
    for name in ASSETS:
        assert finders.find(name), f"{name} is listed but not shipped"
    for module in [*STATIC.glob("*.mjs")]:
        for imported in re.findall(r'from "\./([^"]+)"', module.read_text()):
            assert f"/static/phone/{imported}" in precached, (
                f"{module.name} imports {imported}, not precached"
            )
    html = client.get("/app/").content.decode()
    for linked in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert linked in precached


def _resolves(path: str) -> bool:
    for sample in SAMPLES:
        try:
            resolve(re.sub(r"\$\{[^}]+\}", sample, path))
        except Resolver404:
            continue
        return True
    return False


def test_the_app_calls_only_the_public_api():
    called = set()
    for module in STATIC.glob("*.mjs"):
        called.update(re.findall(r"[\"`](/api/[^\"`?]*)", module.read_text()))
    assert called, "the app calls no API at all?"
    assert all(path.startswith("/api/v1/") for path in called)
    assert [path for path in called if not _resolves(path)] == []


@pytest.mark.parametrize("query", ["?lang=%00", "?lang=" + "x" * 5000, "?lang=fr&lang=en", "?%ff=1"])
def test_odd_query_strings_still_get_the_app(client, query):
    assert client.get(f"/app/{query}").status_code == 200


@pytest.mark.parametrize("path", ["/app/", "/app/manifest.webmanifest", "/app/sw.js"])
def test_the_app_s_routes_only_read(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert client.head(path).status_code == 200


def test_the_icons_are_real_pictures():
    for size in (192, 512):
        data = (STATIC / f"icon-{size}.png").read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (size, size)
