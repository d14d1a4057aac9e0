"""Checklists over HTTP: who sees which, who may create and rename, and what a mistake looks like."""

import copy

import pytest

from audits.models import AssignmentStatus
from checklists.models import Checklist
from tests.factories import AssignmentFactory, ChecklistFactory, LocationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/checklists/"


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def attrs(response):
    assert response.status_code == 400, response.content
    return {error["attr"] for error in response.json()["errors"]}


# --- reading --------------------------------------------------------------------------------------


def test_list_shows_the_contract_fields(admin, client_for, checklist):
    response = client_for(admin).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    (row,) = body["results"]
    assert row["id"] == checklist.pk
    assert row["name"] == "Store visit"
    assert row["description"] == "Walk in your customer's shoes."
    assert row["channel"] == "in_person"
    assert row["current_version"] == 1


def test_list_filters_by_channel(admin, client_for, org, make_checklist):
    phone = make_checklist(org, channel="phone", name="Phone call")
    make_checklist(org, channel="in_person")
    assert ids(client_for(admin).get(URL, {"channel": "phone"})) == {phone.pk}


def test_unknown_channel_filter_is_a_validation_error(admin, client_for):
    assert attrs(client_for(admin).get(URL, {"channel": "fax"})) == {"channel"}


@pytest.mark.parametrize("role", ["admin", "manager", "staff"])
def test_admins_managers_and_staff_see_every_checklist_of_their_organization(
    role, request, client_for, org, make_checklist
):
    mine = {make_checklist(org).pk, make_checklist(org, channel="phone").pk}
    user = request.getfixturevalue(role)
    assert ids(client_for(user).get(URL)) == mine


def test_api_keys_see_every_checklist_of_their_organization(org, key_client_for, checklist):
    assert ids(key_client_for(org).get(URL)) == {checklist.pk}


def test_another_organizations_checklists_are_invisible(foreign_admin, client_for, checklist, other_org):
    theirs = ChecklistFactory(organization=other_org)
    client = client_for(foreign_admin)
    assert ids(client.get(URL)) == {theirs.pk}
    assert client.get(f"{URL}{checklist.pk}/").status_code == 404
    assert client.get(f"{URL}{checklist.pk}/versions/").status_code == 404
    assert client.get(f"{URL}{checklist.pk}/versions/1/").status_code == 404


def test_auditors_see_only_checklists_their_assignments_need(
    org, auditor, client_for, location, make_checklist
):
    needed = make_checklist(org, name="Needed")
    other = make_checklist(org, name="Not needed")
    cancelled = make_checklist(org, name="Cancelled")
    AssignmentFactory(organization=org, location=location, checklist=needed, auditor=auditor)
    AssignmentFactory(
        organization=org,
        location=location,
        checklist=cancelled,
        auditor=auditor,
        status=AssignmentStatus.CANCELLED,
    )
    someone_else = UserFactory(organization=org, role="auditor")
    AssignmentFactory(organization=org, location=location, checklist=other, auditor=someone_else)

    client = client_for(auditor)
    assert ids(client.get(URL)) == {needed.pk}
    assert client.get(f"{URL}{needed.pk}/").status_code == 200
    assert client.get(f"{URL}{needed.pk}/versions/1/").status_code == 200
    for hidden in (other, cancelled):
        assert client.get(f"{URL}{hidden.pk}/").status_code == 404
        assert client.get(f"{URL}{hidden.pk}/versions/1/").status_code == 404


def test_an_auditor_with_two_assignments_on_one_checklist_sees_it_once(org, auditor, client_for, checklist):
    for _ in range(2):
        AssignmentFactory(
            organization=org, location=LocationFactory(organization=org), checklist=checklist, auditor=auditor
        )
    response = client_for(auditor).get(URL)
    assert [row["id"] for row in response.json()["results"]] == [checklist.pk]


def test_unknown_and_impossible_ids_are_404(admin, client_for):
    client = client_for(admin)
    assert client.get(f"{URL}424242/").status_code == 404
    assert client.get(f"{URL}99999999999999999999999/").status_code == 404
    assert client.get(f"{URL}abc/").status_code == 404


def test_anonymous_callers_are_refused(anon, checklist):
    assert anon.get(URL).status_code == 401
    assert anon.get(f"{URL}{checklist.pk}/versions/1/").status_code == 401


def test_list_costs_the_same_number_of_queries_however_many_checklists(
    admin, client_for, org, make_checklist, django_assert_num_queries
):
    client = client_for(admin)
    make_checklist(org)
    with django_assert_num_queries(3) as small:  # the user, the page, the required qualifications
        assert len(client.get(URL).json()["results"]) == 1
    for _ in range(9):
        make_checklist(org)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 10


def test_auditor_list_costs_the_same_number_of_queries_however_many_checklists(
    org, auditor, client_for, location, make_checklist, django_assert_num_queries
):
    client = client_for(auditor)
    AssignmentFactory(organization=org, location=location, checklist=make_checklist(org), auditor=auditor)
    with django_assert_num_queries(3) as small:
        assert len(client.get(URL).json()["results"]) == 1
    for _ in range(5):
        AssignmentFactory(organization=org, location=location, checklist=make_checklist(org), auditor=auditor)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 6


# --- creating -------------------------------------------------------------------------------------


def test_admin_creates_a_checklist_and_version_1_is_published(admin, client_for, definition):
    client = client_for(admin)
    response = client.post(URL, definition, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["current_version"] == 1
    assert response.headers["Location"] == f"{URL}{created['id']}/"

    version = client.get(f"{URL}{created['id']}/versions/1/").json()
    assert version["checklist"] == created["id"]
    assert version["number"] == 1
    assert version["pass_threshold"] == 80.0
    assert [s["key"] for s in version["sections"]] == ["greeting", "resolution"]
    first = version["sections"][0]["items"][0]
    # Defaults filled in on publish, so every consumer can rely on every key.
    assert first == {
        "key": "greeted_within_30s",
        "prompt": "Greeted within 30 seconds?",
        "help_text": "",
        "type": "yes_no",
        "weight": 1,
        "critical": False,
        "allow_na": False,
        "source": "",
        "photo": {"min": 0, "max": 3},
    }


@pytest.mark.parametrize(("role", "expected"), [("manager", 403), ("auditor", 403), ("staff", 403)])
def test_only_admins_create_checklists(role, expected, request, client_for, definition):
    user = request.getfixturevalue(role)
    assert client_for(user).post(URL, definition, format="json").status_code == expected
    assert not Checklist.objects.exists()


def test_a_read_only_api_key_cannot_create_but_a_write_key_can(org, key_client_for, definition):
    assert key_client_for(org, ["read"]).post(URL, definition, format="json").status_code == 403
    response = key_client_for(org, ["read", "write"]).post(URL, definition, format="json")
    assert response.status_code == 201
    assert Checklist.objects.get().organization == org


def test_anonymous_create_is_401(anon, definition):
    assert anon.post(URL, definition, format="json").status_code == 401


def test_create_reports_field_and_definition_mistakes_together(admin, client_for, definition):
    definition["name"] = ""
    definition["channel"] = "fax"
    definition["sections"][0]["items"][1]["scale_max"] = 1
    definition["sections"][1]["items"][0]["key"] = "welcome_warmth"
    response = client_for(admin).post(URL, definition, format="json")
    assert response.json()["type"] == "validation_error"
    assert attrs(response) == {
        "name",
        "channel",
        "sections.0.items.1.scale_max",
        "sections.1.items.0.key",
    }
    assert not Checklist.objects.exists()


def test_create_rejects_unknown_fields(admin, client_for, definition):
    definition["current_version"] = 7
    assert attrs(client_for(admin).post(URL, definition, format="json")) == {"current_version"}


def test_create_requires_sections_and_threshold(admin, client_for):
    response = client_for(admin).post(URL, {"name": "X", "channel": "phone"}, format="json")
    assert attrs(response) == {"sections", "pass_threshold"}


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_a_body_that_is_not_an_object_is_a_400(admin, client_for, body):
    response = client_for(admin).post(URL, body, format="json")
    assert response.status_code == 400


def test_malformed_json_is_a_400(admin, client_for):
    response = client_for(admin).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


# --- renaming -------------------------------------------------------------------------------------


def test_admin_renames_and_redescribes_a_checklist(admin, client_for, checklist):
    response = client_for(admin).patch(
        f"{URL}{checklist.pk}/", {"name": "Store visit 2027", "description": "New"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Store visit 2027"
    checklist.refresh_from_db()
    assert (checklist.name, checklist.description) == ("Store visit 2027", "New")


@pytest.mark.parametrize("field", ["channel", "current_version", "sections", "pass_threshold"])
def test_patch_changes_only_name_and_description(admin, client_for, checklist, field):
    response = client_for(admin).patch(f"{URL}{checklist.pk}/", {field: "phone"}, format="json")
    assert attrs(response) == {field}
    checklist.refresh_from_db()
    assert checklist.channel == "in_person" and checklist.current_version == 1


def test_patch_refuses_a_blank_name(admin, client_for, checklist):
    assert attrs(client_for(admin).patch(f"{URL}{checklist.pk}/", {"name": "  "}, format="json")) == {"name"}


@pytest.mark.parametrize("role", ["manager", "auditor", "staff"])
def test_only_admins_rename(role, request, client_for, checklist):
    user = request.getfixturevalue(role)
    assert client_for(user).patch(f"{URL}{checklist.pk}/", {"name": "X"}, format="json").status_code == 403


def test_a_write_key_renames_like_an_admin(org, key_client_for, checklist):
    client = key_client_for(org, ["read", "write"])
    assert client.patch(f"{URL}{checklist.pk}/", {"name": "X"}, format="json").status_code == 200
    assert key_client_for(org).patch(f"{URL}{checklist.pk}/", {"name": "Y"}, format="json").status_code == 403


def test_another_organizations_admin_cannot_rename(foreign_admin, client_for, checklist):
    assert (
        client_for(foreign_admin).patch(f"{URL}{checklist.pk}/", {"name": "X"}, format="json").status_code
        == 404
    )


@pytest.mark.parametrize("method", ["put", "delete"])
def test_checklists_are_neither_replaced_nor_deleted(admin, client_for, checklist, method):
    response = getattr(client_for(admin), method)(f"{URL}{checklist.pk}/", copy.deepcopy({}), format="json")
    assert response.status_code == 405
    assert Checklist.objects.filter(pk=checklist.pk).exists()


def test_a_blank_channel_filter_is_a_validation_error(admin, client_for):
    assert attrs(client_for(admin).get(URL, {"channel": ""})) == {"channel"}


@pytest.mark.parametrize(
    ("field", "value"), [("name", 0), ("name", True), ("description", 5), ("name", ["x"])]
)
def test_text_fields_must_be_strings(admin, client_for, definition, checklist, field, value):
    client = client_for(admin)
    assert attrs(client.post(URL, {**definition, field: value}, format="json")) == {field}
    assert attrs(client.patch(f"{URL}{checklist.pk}/", {field: value}, format="json")) == {field}
