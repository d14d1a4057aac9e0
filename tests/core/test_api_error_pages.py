"""Anything under /api/ answers the contract's JSON error shape, whatever DEBUG is.

The demo runs with DEBUG on; Django's HTML debug pages (404, 500) and plain-text 405s must never
reach an API client.
"""

import pytest
from django.http import HttpResponse, HttpResponseNotAllowed
from django.test import Client, override_settings
from django.urls import include, path


def boom(request):
    raise RuntimeError("a bug outside any DRF view")


def plain_get_only(request):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return HttpResponse("ok")


urlpatterns = [
    path("api/test-only/boom/", boom),
    path("api/test-only/get-only/", plain_get_only),
    path("", include("config.urls")),
]


def shape(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"type", "errors"}
    (error,) = body["errors"]
    assert set(error) == {"code", "detail", "attr"}
    return {"type": body["type"], "code": error["code"]}


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def client(request, settings, db):
    settings.DEBUG = request.param
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "path", ["/api/v1/users/0.5/", "/api/v1/users/0.5", "/api/", "/api/v1/nothing-here/", "/api/v2/"]
)
def test_an_unknown_api_path_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert shape(response) == {"type": "client_error", "code": "not_found"}
    assert b"<html" not in response.content.lower()


def test_a_write_to_an_api_path_without_its_slash_is_a_json_404_not_a_500(client, admin, client_for):
    response = client.post("/api/v1/visits", {}, content_type="application/json")
    assert response.status_code == 404
    assert shape(response)["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/schema/"])
def test_a_wrong_method_on_the_docs_and_schema_is_a_json_405(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert shape(response) == {"type": "client_error", "code": "method_not_allowed"}
    assert "GET" in response["Allow"]


@override_settings(ROOT_URLCONF=__name__)
def test_a_plain_django_405_under_api_is_json_and_keeps_allow(client):
    response = client.delete("/api/test-only/get-only/")
    assert response.status_code == 405
    assert shape(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


@override_settings(ROOT_URLCONF=__name__)
def test_an_unhandled_error_under_api_is_a_json_500_without_a_traceback(client):
    response = client.get("/api/test-only/boom/")
    assert response.status_code == 500
    assert shape(response) == {"type": "server_error", "code": "error"}
    assert b"RuntimeError" not in response.content and b"Traceback" not in response.content
    # Headers set by the layers inside (here X-Frame-Options) survive the rewrite.
    assert response["X-Frame-Options"] == "DENY"


def test_pages_outside_the_api_keep_their_own_answers(client, settings):
    response = client.get("/admin/login/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
