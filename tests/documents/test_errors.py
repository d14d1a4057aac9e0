"""Who may not read a visit's PDF gets the same 404 as for a missing visit; bad input is a 400; every
error is JSON in the contract's shape, although the endpoint answers PDF."""

import uuid

import pytest

from accounts.models import Role
from tests.factories import LocationFactory, RegionFactory, UserFactory

from .conftest import report_url, submit

pytestmark = pytest.mark.django_db

NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
}


def assert_not_found(response):
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


@pytest.fixture
def outsiders(org, other_org, other_region, other_location):
    """Everyone who must not learn that the visit exists."""
    return {
        "another organization's admin": UserFactory(organization=other_org, role=Role.ADMIN),
        "a manager of another region": UserFactory(
            organization=org, role=Role.MANAGER, regions=[other_region]
        ),
        "staff of another location": UserFactory(
            organization=org, role=Role.STAFF, locations=[other_location]
        ),
        "an auditor who did not make it": UserFactory(organization=org, role=Role.AUDITOR),
    }


def test_a_visit_out_of_scope_is_404_like_a_missing_one(client_for, admin, visit, outsiders):
    missing = client_for(admin).get(f"/api/v1/visits/{uuid.uuid4()}/report.pdf")
    assert_not_found(missing)
    for who, user in outsiders.items():
        response = client_for(user).get(report_url(visit))
        assert response.json() == missing.json(), who
        assert_not_found(response)


def test_another_organizations_api_key_gets_404(key_client_for, other_org, visit):
    assert_not_found(key_client_for(other_org).get(report_url(visit)))


def test_a_path_that_is_not_a_visit_id_is_404_json(client_for, admin):
    response = client_for(admin).get("/api/v1/visits/not-a-uuid/report.pdf")
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_in_scope_the_same_visit_is_readable(client_for, org, region, location, checklist, auditor, visit):
    # The outsiders' mirror images: each reads it.
    readers = [
        UserFactory(organization=org, role=Role.MANAGER, regions=[region]),
        UserFactory(organization=org, role=Role.STAFF, locations=[location]),
        auditor,
    ]
    for reader in readers:
        assert client_for(reader).get(report_url(visit)).status_code == 200, reader.role


@pytest.mark.parametrize("lang", ["français", "x", "en_US!", "a" * 40])
def test_a_malformed_lang_is_a_400_at_lang(client_for, manager, visit, lang):
    response = client_for(manager).get(report_url(visit), {"lang": lang})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(e["attr"], e["code"]) for e in body["errors"]] == [("lang", "invalid_language")]


def test_two_langs_are_a_400(client_for, manager, visit):
    response = client_for(manager).get(f"{report_url(visit)}?lang=en&lang=fr")
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("lang", "repeated")
    ]  # every API parameter: core.query_params


def test_unauthenticated_is_401_json(anon, visit):
    response = anon.get(report_url(visit))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "client_error"


@pytest.mark.parametrize("accept", ["application/json", "text/html", "application/pdf", "image/png", "*/*"])
def test_the_pdf_comes_whatever_accept_says(client_for, manager, visit, accept):
    response = client_for(manager).get(report_url(visit), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_an_error_stays_json_whatever_accept_says(client_for, manager, visit):
    response = client_for(manager).get(report_url(visit), {"lang": "??"}, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"


def test_head_and_options(client_for, manager, visit):
    client = client_for(manager)
    head = client.head(report_url(visit))
    assert head.status_code == 200 and head["Content-Type"] == "application/pdf"
    options = client.options(report_url(visit))
    assert options.status_code == 200 and options["Content-Type"] == "application/json"
    assert client.post(report_url(visit)).status_code == 405


def test_a_visit_in_another_location_of_the_same_region(client_for, org, region, checklist, auditor):
    # Staff of one store do not read a sister store's visit, even in their own region.
    sister = LocationFactory(region=region)
    visit = submit(sister, checklist, auditor, None)
    store = LocationFactory(region=RegionFactory(organization=org))
    reader = UserFactory(organization=org, role=Role.STAFF, locations=[store])
    assert_not_found(client_for(reader).get(report_url(visit)))
