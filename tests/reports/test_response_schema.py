"""Every report serves exactly what the schema documents: same keys, same types, same nullability.

The schema (``openapi/schema.yaml``) is generated from the reports' response serializers, and the
views render the selectors' rows through those same serializers; this test holds the two together
on real data: each response is validated against its schema component (OpenAPI 3.0 rules), and
every object in it has exactly the documented properties, no more and no fewer.
"""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

from tests.factories import LocationFactory

from .factories import make_visit

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi" / "schema.yaml").read_text())
WINDOW = {"from": "2026-02-01", "to": "2026-03-31"}


def component(ref: str) -> dict:
    return SCHEMA["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def response_schema(path: str) -> dict:
    ok = SCHEMA["paths"][path]["get"]["responses"]["200"]
    return ok["content"]["application/json"]["schema"]


def resolved(schema: dict) -> dict:
    while "$ref" in schema:
        schema = component(schema["$ref"])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return resolved(schema["allOf"][0])
    return schema


def assert_exact_keys(value, schema: dict, where: str = "$") -> None:
    """Objects carry exactly the documented properties (``additionalProperties`` maps aside)."""
    schema = resolved(schema)
    if isinstance(value, dict) and "properties" in schema:
        assert set(value) == set(schema["properties"]), where
        for key, item in value.items():
            assert_exact_keys(item, schema["properties"][key], f"{where}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            assert_exact_keys(item, schema["items"], f"{where}[{index}]")


@pytest.fixture
def reports(region, checklist, auditor):
    amsterdam = LocationFactory(region=region, code="AMS", name="Amsterdam", timezone="Europe/Amsterdam")
    tokyo = LocationFactory(region=region, code="TYO", name="Tokyo", timezone="Asia/Tokyo")
    for store, day, score, kind in [
        (amsterdam, "2026-02-10", 81.26, "mystery"),
        (amsterdam, "2026-01-20", 70.0, "mystery"),
        (tokyo, "2026-03-15", 55.55, "mystery"),
        (amsterdam, "2026-03-02", 98.0, "self_assessment"),
    ]:
        make_visit(
            location=store,
            checklist=checklist,
            started_at=dt.datetime.fromisoformat(f"{day} 09:00").replace(tzinfo=dt.UTC),
            score=score,
            kind=kind,
            auditor=auditor,
            sections={"greeting": score},
            answers=[("greeting", "greeted_within_30s", 1.0), ("greeting", "smile", score / 100)],
        )
    return [
        ("/api/v1/locations/{id}/trend/", f"/api/v1/locations/{amsterdam.pk}/trend/", {"period": "month"}),
        ("/api/v1/regions/{id}/trend/", f"/api/v1/regions/{region.pk}/trend/", {"period": "week"}),
        ("/api/v1/reports/location-ranking/", "/api/v1/reports/location-ranking/", {}),
        ("/api/v1/reports/item-performance/", "/api/v1/reports/item-performance/", {}),
        ("/api/v1/reports/perception-gap/", "/api/v1/reports/perception-gap/", {}),
        ("/api/v1/reports/disputes/", "/api/v1/reports/disputes/", {}),
        ("/api/v1/reports/auditors/", "/api/v1/reports/auditors/", {}),
    ]


def test_every_json_report_is_in_the_schema_and_checked_here():
    reports = {path for path in SCHEMA["paths"] if "/reports/" in path or path.endswith("/trend/")}
    assert reports == {
        "/api/v1/locations/{id}/trend/",
        "/api/v1/regions/{id}/trend/",
        "/api/v1/reports/location-ranking/",
        "/api/v1/reports/item-performance/",
        "/api/v1/reports/perception-gap/",
        "/api/v1/reports/disputes/",
        "/api/v1/reports/actions/",  # checked in tests/actions
        "/api/v1/reports/auditors/",
        "/api/v1/reports/agreement/",  # checked in tests/calibrations
    }


def test_served_reports_match_their_schema_components(client_for, admin, reports):
    client = client_for(admin)
    for documented, url, params in reports:
        response = client.get(url, {**WINDOW, **params})
        assert response.status_code == 200, url
        body = response.json()
        schema = response_schema(documented)
        OAS30Validator({**schema, "components": SCHEMA["components"]}).validate(body)
        assert_exact_keys(body, schema, where=url)
        assert any(body.get(key) for key in ("series", "results")), f"{url} served no rows to check"
