"""API keys: shown once, stored hashed, scoped, revoked at once."""

from django.db import connection
from rest_framework.test import APIClient

from accounts.models import ApiKey

KEYS = "/api/v1/api-keys/"


def key_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def every_stored_value():
    """Every value of every column of every table, as text."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                yield from (str(value) for value in row if value is not None)


def test_created_key_is_shown_once_and_never_again(admin, client_for):
    client = client_for(admin)

    created = client.post(KEYS, {"name": "BI export"}, format="json")

    assert created.status_code == 201
    body = created.json()
    assert body["scopes"] == ["read"]
    assert body["key"].startswith(body["prefix"] + ".")
    assert set(body) == {"id", "name", "scopes", "prefix", "created_at", "last_used_at", "key"}
    listed = client.get(KEYS).json()["results"]
    read = client.get(f"{KEYS}{body['id']}/").json()
    assert "key" not in listed[0] and "key" not in read
    assert body["key"] not in str(listed) + str(read)


def test_key_is_stored_hashed_raw_key_absent_from_the_database(admin, client_for):
    raw = client_for(admin).post(KEYS, {"name": "BI"}, format="json").json()["key"]
    secret = raw.split(".", 1)[1]

    assert ApiKey.objects.count() == 1
    assert not [value for value in every_stored_value() if secret in value]


def test_key_reads_its_organization_and_records_last_use(admin, client_for, location):
    raw = client_for(admin).post(KEYS, {"name": "BI"}, format="json").json()["key"]

    response = key_client(raw).get("/api/v1/locations/")

    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["AMS-01"]
    assert ApiKey.objects.get().last_used_at is not None


def test_revoked_key_is_refused_on_the_very_next_request(admin, client_for):
    client = client_for(admin)
    created = client.post(KEYS, {"name": "BI"}, format="json").json()
    integrator = key_client(created["key"])
    assert integrator.get("/api/v1/regions/").status_code == 200

    assert client.delete(f"{KEYS}{created['id']}/").status_code == 204

    refused = integrator.get("/api/v1/regions/")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "authentication_failed"
    assert client.get(KEYS).json()["results"] == []
    assert client.get(f"{KEYS}{created['id']}/").status_code == 404


def test_read_key_may_not_write_but_write_key_may(admin, client_for):
    client = client_for(admin)
    reader = key_client(client.post(KEYS, {"name": "r"}, format="json").json()["key"])
    writer_body = client.post(KEYS, {"name": "w", "scopes": ["write"]}, format="json").json()
    writer = key_client(writer_body["key"])

    assert writer_body["scopes"] == ["read", "write"]  # write implies read
    assert reader.post("/api/v1/regions/", {"code": "E", "name": "East"}, format="json").status_code == 403
    assert writer.post("/api/v1/regions/", {"code": "E", "name": "East"}, format="json").status_code == 201


def test_a_write_key_cannot_manage_keys_or_people(org, key_client_for):
    writer = key_client_for(org, ["read", "write"])

    assert writer.post(KEYS, {"name": "escalate", "scopes": ["write"]}, format="json").status_code == 403
    assert writer.get("/api/v1/users/").status_code == 403


def test_unknown_scopes_are_rejected_by_path(admin, client_for):
    response = client_for(admin).post(KEYS, {"name": "k", "scopes": ["read", "admin"]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "scopes.1"


def test_no_scopes_means_read_only(admin, client_for):
    response = client_for(admin).post(KEYS, {"name": "k", "scopes": []}, format="json")

    assert response.status_code == 201
    assert response.json()["scopes"] == ["read"]


def test_scopes_and_names_must_have_their_json_types(admin, client_for):
    response = client_for(admin).post(KEYS, {"name": 7, "scopes": "read"}, format="json")

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"name", "scopes"}


def test_unknown_or_malformed_key_is_a_401(db):
    for header in ["Api-Key nope.nope", "Api-Key", "Api-Key a b"]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/me/")
        assert response.status_code == 401, header
        assert response.json()["type"] == "client_error"
