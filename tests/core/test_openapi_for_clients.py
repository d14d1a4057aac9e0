"""The OpenAPI document tells generated clients the truth (openapi-python-client read it wrong)."""

import re

import pytest
import yaml
from django.conf import settings

SCHEMA = yaml.safe_load((settings.BASE_DIR / "openapi" / "schema.yaml").read_text())
COMPONENTS = SCHEMA["components"]["schemas"]


def resolve(schema: dict) -> dict:
    while "$ref" in schema or ("allOf" in schema and len(schema["allOf"]) == 1):
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema["allOf"][0]
    return schema


def operations():
    for path, ops in SCHEMA["paths"].items():
        for method, op in ops.items():
            yield path, method, op


@pytest.mark.parametrize("union", ["ChecklistItem", "ChecklistItemDefinitionRequest"])
def test_each_checklist_item_variant_has_a_one_value_enum_as_its_discriminator(union):
    mapping = COMPONENTS[union]["discriminator"]["mapping"]
    assert len(mapping) == 6
    for kind, ref in mapping.items():
        variant = COMPONENTS[ref.rsplit("/", 1)[-1]]
        assert resolve(variant["properties"]["type"])["enum"] == [kind]
        assert "type" in variant["required"]


def test_the_csv_export_is_text_and_the_photo_file_a_jpeg():
    csv = SCHEMA["paths"]["/api/v1/exports/visits.csv"]["get"]["responses"]["200"]["content"]
    assert csv == {"text/csv": {"schema": {"type": "string"}}}
    photo = SCHEMA["paths"]["/api/v1/photos/{id}/file/"]["get"]["responses"]["200"]["content"]
    assert photo["image/jpeg"]["schema"] == {"type": "string", "format": "binary"}


def test_every_id_filter_is_an_integer_from_1():
    ids = {"checklist", "location", "region", "assignment", "auditor"}
    seen = 0
    for path, method, op in operations():
        for parameter in op.get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] in ids:
                seen += 1
                assert parameter["schema"]["type"] == "integer", (method, path, parameter)
                assert parameter["schema"]["minimum"] == 1, (method, path, parameter)
            assert parameter["schema"].get("type") != "number", (method, path, parameter["name"])
    assert seen >= 15


def test_every_visit_and_photo_id_in_a_path_is_a_uuid():
    for path, method, op in operations():
        for parameter in op.get("parameters", []):
            visit_id = path.startswith("/api/v1/visits/") and parameter["name"] in ("id", "visit_id")
            photo_id = path.startswith("/api/v1/photos/") and parameter["name"] == "id"
            if parameter["in"] == "path" and (visit_id or photo_id):
                assert parameter["schema"] == {"type": "string", "format": "uuid"}, (method, path)


def test_error_type_and_the_callers_role_are_enums():
    assert resolve(COMPONENTS["ErrorResponse"]["properties"]["type"])["enum"] == [
        "validation_error",
        "client_error",
        "server_error",
    ]
    assert set(resolve(COMPONENTS["Me"]["properties"]["role"])["enum"]) == {
        "admin",
        "manager",
        "auditor",
        "staff",
        "api_key",
    }


@pytest.mark.parametrize(
    ("create", "read", "parameter"),
    [
        ("/api/v1/visits/", "api_v1_visits_retrieve", {"id": "$response.body#/id"}),
        ("/api/v1/visits/", "api_v1_visits_photos_list", {"visit_id": "$response.body#/id"}),
        (
            "/api/v1/visits/{visit_id}/photos/",
            "api_v1_visits_photos_list",
            {"visit_id": "$request.path.visit_id"},
        ),
        ("/api/v1/assignments/", "api_v1_assignments_retrieve", {"id": "$response.body#/id"}),
        ("/api/v1/checklists/", "api_v1_checklists_retrieve", {"id": "$response.body#/id"}),
        (
            "/api/v1/checklists/{checklist_id}/versions/",
            "api_v1_checklists_versions_retrieve",
            {"checklist_id": "$request.path.checklist_id", "number": "$response.body#/number"},
        ),
        ("/api/v1/users/", "api_v1_users_retrieve", {"id": "$response.body#/id"}),
        ("/api/v1/api-keys/", "api_v1_api_keys_retrieve", {"id": "$response.body#/id"}),
        ("/api/v1/webhooks/", "api_v1_webhooks_retrieve", {"id": "$response.body#/id"}),
        ("/api/v1/regions/", "api_v1_regions_retrieve", {"id": "$response.body#/id"}),
        ("/api/v1/locations/", "api_v1_locations_retrieve", {"id": "$response.body#/id"}),
    ],
)
def test_creates_link_to_the_reads_of_what_they_created(create, read, parameter):
    links = SCHEMA["paths"][create]["post"]["responses"]["201"]["links"]
    assert links[read]["operationId"] == read
    assert links[read]["parameters"] == parameter
    operation_ids = {op["operationId"] for _, _, op in operations()}
    for link in links.values():
        assert link["operationId"] in operation_ids
        for value in link["parameters"].values():
            assert re.fullmatch(r"\$(response\.body#/\w+|request\.path\.\w+)", value)
