"""One error shape for every failure: malformed bodies, wrong types, unknown fields, methods, ids."""

import pytest


@pytest.fixture
def client(admin, client_for):
    return client_for(admin)


def only_error(response) -> dict:
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert len(body["errors"]) == 1
    return {"type": body["type"], **body["errors"][0]}


def test_malformed_json_is_a_400_parse_error(client):
    response = client.generic("POST", "/api/v1/regions/", '{"code": "N", ', content_type="application/json")

    assert response.status_code == 400
    error = only_error(response)
    assert (error["type"], error["code"], error["attr"]) == ("client_error", "parse_error", None)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("code=N&name=North", "application/x-www-form-urlencoded"),
        ("code: N", "text/plain"),
        ("<region/>", "application/xml"),
    ],
)
def test_a_body_that_is_not_json_is_a_415(client, body, content_type):
    response = client.generic("POST", "/api/v1/regions/", body, content_type=content_type)

    assert response.status_code == 415
    assert only_error(response)["code"] == "unsupported_media_type"


def test_unknown_fields_are_a_400_naming_each(client):
    response = client.post(
        "/api/v1/regions/", {"code": "N", "name": "North", "colour": "red", "Name": "x"}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert sorted((e["attr"], e["code"]) for e in body["errors"]) == [
        ("Name", "unknown_field"),
        ("colour", "unknown_field"),
    ]


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "42", "null"])
def test_a_json_body_that_is_no_object_is_a_400(client, payload):
    response = client.generic("POST", "/api/v1/regions/", payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_every_missing_field_is_named(client):
    response = client.post("/api/v1/locations/", {}, format="json")

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"code", "name", "region"}


def test_null_characters_are_a_400_not_a_database_error(client, region):
    response = client.post("/api/v1/regions/", {"code": "N\x00", "name": "North"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "code"


def test_numbers_beyond_any_range_are_a_400(client, region):
    response = client.generic(
        "POST",
        "/api/v1/locations/",
        f'{{"code": "X", "name": "X", "region": {region.pk}, "geofence_m": 1e400, "latitude": 1e400}}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"geofence_m", "latitude"}


def test_a_method_the_path_does_not_have_is_a_405_even_for_roles_that_may_not_write(client_for, auditor):
    response = client_for(auditor).put("/api/v1/me/", {}, format="json")

    assert response.status_code == 405
    assert only_error(response)["code"] == "method_not_allowed"


def test_anonymous_callers_get_401_before_405(anon):
    assert anon.put("/api/v1/me/", {}, format="json").status_code == 401


def test_unknown_paths_and_ids_are_404_in_the_shape(client):
    for path in ["/api/v1/nothing-here/", "/api/v1/locations/abc/", "/api/v1/users/1/extra/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert only_error(response)["code"] in {"not_found"}


def test_forbidden_is_a_403_in_the_shape(client_for, staff):
    response = client_for(staff).post("/api/v1/regions/", {"code": "N", "name": "N"}, format="json")

    assert response.status_code == 403
    assert only_error(response)["code"] == "permission_denied"


def test_no_credentials_is_a_401_in_the_shape(anon):
    response = anon.get("/api/v1/locations/")

    assert response.status_code == 401
    assert only_error(response)["code"] == "not_authenticated"
