"""NUL characters and lone surrogates, wherever they hide in a request, are a 400, never a 500.

A JSON body may spell either (``"\\u0000"``, ``"\\ud800"``); a query string may carry ``%00``.
Before: a surrogate echoed in an error message broke the JSON renderer (500), NUL in a visit's
JSON answer or a search filter was a 500 on PostgreSQL and stored or matched on SQLite.
"""

import pytest


@pytest.fixture
def admin_api(client_for, admin):
    return client_for(admin)


def raw(client, method: str, url: str, text: str):
    return client.generic(method, url, text, content_type="application/json")


def codes_and_attrs(response) -> list[tuple[str, str | None]]:
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def test_a_surrogate_in_a_choice_is_a_400_not_a_broken_error_message(admin_api, location):
    """DRF echoes an invalid time zone in its message; the surrogate made the renderer fail."""
    response = raw(admin_api, "PATCH", f"/api/v1/locations/{location.pk}/", '{"timezone": "\\ud800"}')

    assert codes_and_attrs(response) == [("surrogate_characters_not_allowed", "timezone")]


def test_a_surrogate_in_a_field_name_is_a_400(admin_api):
    response = raw(admin_api, "POST", "/api/v1/regions/", '{"code": "N", "name": "North", "\\udc00x": 1}')

    assert codes_and_attrs(response) == [("surrogate_characters_not_allowed", "non_field_errors")]


def test_nested_values_are_named_by_their_path(admin_api):
    body = '{"code": "N", "name": "North", "deep": [{"a": "ok"}, {"b": ["\\u0000"]}]}'

    response = raw(admin_api, "POST", "/api/v1/regions/", body)

    assert codes_and_attrs(response) == [("null_characters_not_allowed", "deep.1.b.0")]


def test_a_deeply_nested_body_is_still_checked_without_recursion(admin_api):
    body = "[" * 900 + '"\\u0000"' + "]" * 900

    response = raw(admin_api, "POST", "/api/v1/regions/", body)

    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/locations/?search=%00",
        "/api/v1/locations/?search=a%00b",
        "/api/v1/visits/?status=%00",
        "/api/v1/assignments/?updated_since=2026-01-01T00:00:00Z%00",
        "/api/v1/reports/location-ranking/?from=2026-01-01%00",
        "/api/v1/regions/?a%00b=1",
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(admin_api, url):
    name = url.split("?")[1].split("=")[0].replace("%00", "\x00")

    assert codes_and_attrs(admin_api.get(url)) == [("null_characters_not_allowed", name)]


def test_a_percent_encoded_surrogate_in_a_query_is_only_a_replacement_character(admin_api):
    """Django decodes invalid UTF-8 as U+FFFD: a plain search that finds nothing."""
    response = admin_api.get("/api/v1/locations/?search=%ED%A0%80")

    assert response.status_code == 200 and response.json()["results"] == []
