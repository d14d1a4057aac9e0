"""The API docs (Swagger UI, ReDoc) load nothing from another host, and the CSP forbids it.

ReDoc used to pull fonts from fonts.googleapis.com and a logo from cdn.redoc.ly; Swagger UI can
show a validator badge from validator.swagger.io.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from core.views import REDOC_BUNDLE, REDOC_EXTERNAL_LOADS

#: What loads a resource (not a plain link or a JSON-schema id): element sources, stylesheets,
#: CSS url()/@import, and the hosts known to be fetched.
LOADS = [
    re.compile(rb"""\bsrc\s*[:=]\s*["']?(?:https?:)?//""", re.I),
    re.compile(rb"""(?<![\w.])url\(\s*["']?(?:https?:)?//"""),  # CSS url(), not JavaScript's new URL()
    re.compile(rb"""@import\s+(?:url\()?\s*["']?(?:https?:)?//""", re.I),
    re.compile(rb"""<link[^>]+href\s*=\s*["']?(?:https?:)?//""", re.I),
    re.compile(rb"fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.redoc\.ly|cdn\.jsdelivr\.net|unpkg\.com"),
]
ATTRIBUTE = re.compile(rb"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)


def external_loads(content: bytes) -> list[bytes]:
    return [m.group(0) for pattern in LOADS for m in pattern.finditer(content)]


@pytest.fixture
def browser(db, settings):
    settings.DEBUG = True  # as in the demo
    return Client()


def _page_and_assets(browser, path):
    page = browser.get(path)
    assert page.status_code == 200
    assets = {}
    for ref in ATTRIBUTE.findall(page.content):
        url = urljoin(f"http://testserver{path}", ref.decode())
        assert urlsplit(url).netloc == "testserver", f"{path} refers to another host: {url}"
        response = browser.get(
            urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        )
        assert response.status_code == 200, url
        assets[url] = b"".join(response) if response.streaming else response.content
    return page, assets


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_and_everything_they_load_come_from_this_host(browser, path):
    page, assets = _page_and_assets(browser, path)
    assert external_loads(page.content) == []
    assert assets, "the page loads its scripts from the app"
    for url, content in assets.items():
        assert external_loads(content) == [], url


def test_redoc_is_served_without_the_cdn_logo_and_with_a_validator_free_swagger_ui(browser):
    bundle = browser.get("/api/redoc/redoc.standalone.js")
    assert bundle["Content-Type"].startswith("text/javascript")
    assert b"cdn.redoc.ly" not in bundle.content
    assert browser.get("/api/redoc/redoc.standalone.js", HTTP_IF_NONE_MATCH=bundle["ETag"]).status_code == 304
    script = browser.get("/api/docs/", {"script": ""}).content
    assert b'"validatorUrl": null' in script


def test_the_sidecar_files_load_nothing_from_another_host_except_what_is_patched_out():
    """Guards the patch list: a new sidecar release that loads from elsewhere fails here."""

    for name in (
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    ):
        with open(finders.find(name), "rb") as handle:
            assert external_loads(handle.read()) == [], name
    with open(finders.find(REDOC_BUNDLE), "rb") as handle:
        content = handle.read()
    assert all(external in content for external in REDOC_EXTERNAL_LOADS)
    for external in REDOC_EXTERNAL_LOADS:
        content = content.replace(external, b"")
    assert external_loads(content) == []


SAFE_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/redoc/redoc.standalone.js"])
def test_the_csp_forbids_every_other_host(browser, path):
    policy = browser.get(path)["Content-Security-Policy"]
    directives = dict((parts[0], parts[1:]) for parts in (d.split() for d in policy.split(";") if d.strip()))
    assert directives["default-src"] == ["'self'"]
    for name, sources in directives.items():
        assert set(sources) <= SAFE_SOURCES, f"{name} allows {sources}"
    for kind in ("script-src", "connect-src", "font-src", "img-src", "style-src"):
        assert kind not in directives or "'self'" in directives[kind] or directives[kind] == ["'none'"]
    assert "'unsafe-inline'" not in directives.get("script-src", directives["default-src"])
