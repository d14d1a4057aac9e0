"""What the API serves matches what the OpenAPI document says, for every tree in the library."""

import pytest
from django.core.management import call_command
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from openapi_schema_validator import OAS30Validator

from checklists.models import Checklist
from tests.factories import ChecklistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def components():
    generator = SchemaGenerator(patterns=[path("api/v1/", include("checklists.urls"))])
    return generator.get_schema(request=None, public=True)["components"]


def check(components, name, value):
    validator = OAS30Validator({"$ref": f"#/components/schemas/{name}", "components": components})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]
    assert errors == []


def test_every_library_tree_matches_the_documented_version_schema(org, admin, client_for, components):

    call_command("load_checklists", org=org.name, stdout=None)
    client = client_for(admin)
    for checklist in Checklist.objects.filter(organization=org):
        response = client.get(f"/api/v1/checklists/{checklist.pk}/versions/1/")
        check(components, "ChecklistVersion", response.json())
    listing = client.get("/api/v1/checklists/").json()
    check(components, "PaginatedChecklistList", listing)


def test_a_factory_made_tree_matches_too(org, admin, client_for, components):
    checklist = ChecklistFactory(organization=org)
    response = client_for(admin).get(f"/api/v1/checklists/{checklist.pk}/versions/1/")
    check(components, "ChecklistVersion", response.json())


def test_the_documented_request_accepts_the_reference_definition(components, definition):
    check(components, "ChecklistCreateRequest", definition)
    check(components, "VersionPublishRequest", {k: definition[k] for k in ("pass_threshold", "sections")})
