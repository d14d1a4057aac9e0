"""Auditor profiles, qualifications, checklists' required qualifications, and the rating kept current."""

import pytest

from accounts.models import Role
from audits.services import visit_review
from disputes.services import dispute_decide, dispute_open
from fieldwork.models import AuditorProfile
from tests.disputes.conftest import decide_body, dispute_body
from tests.factories import OrganizationFactory, UserFactory

from .conftest import HOME, visit_body


def profile_url(user):
    return f"/api/v1/auditors/{user.pk}/"


def test_an_auditor_reads_and_sets_their_own_home(client_for, auditor):
    client = client_for(auditor)
    assert client.get("/api/v1/me/auditor/").json() == {
        "id": auditor.pk,
        "display_name": auditor.display_name,
        "home": None,
        "travel_radius_km": 25,
        "rating": 5.0,
        "qualifications": [],
        "decided_visits": 0,
    }
    response = client.patch(
        "/api/v1/me/auditor/",
        {"home": {"latitude": HOME[0], "longitude": HOME[1]}, "travel_radius_km": 40},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["home"] == {"latitude": HOME[0], "longitude": HOME[1]}
    assert response.json()["travel_radius_km"] == 40
    assert client.patch("/api/v1/me/auditor/", {"home": None}, format="json").json()["home"] is None


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"home": {"latitude": 91, "longitude": 0}}, "home.latitude"),
        ({"home": {"latitude": 0, "longitude": -180.5}}, "home.longitude"),
        ({"home": {"latitude": "52.1", "longitude": 4}}, "home.latitude"),
        ({"home": {"latitude": 52}}, "home.longitude"),
        ({"travel_radius_km": 0}, "travel_radius_km"),
        ({"rating": 10}, "rating"),
    ],
)
def test_bad_profile_values_are_400_and_change_nothing(client_for, auditor, body, attr):
    response = client_for(auditor).patch("/api/v1/me/auditor/", body, format="json")
    assert response.status_code == 400
    assert attr in [e["attr"] for e in response.json()["errors"]]
    assert not AuditorProfile.objects.filter(home_latitude__isnull=False).exists()


def test_admins_and_managers_read_and_change_profiles(client_for, admin, manager, auditor):
    for user in (admin, manager):
        response = client_for(user).patch(profile_url(auditor), {"travel_radius_km": 12}, format="json")
        assert response.status_code == 200, response.json()
        assert client_for(user).get(profile_url(auditor)).json()["travel_radius_km"] == 12


def test_profiles_of_non_auditors_and_other_organizations_are_404(client_for, admin, manager, staff):
    foreigner = UserFactory(organization=OrganizationFactory(), role=Role.AUDITOR)
    for user in (manager, staff, foreigner):
        assert client_for(admin).get(profile_url(user)).status_code == 404


def test_auditors_staff_and_keys_may_not_read_profiles(client_for, key_client_for, org, auditor, staff):
    assert client_for(auditor).get(profile_url(auditor)).status_code == 403
    assert client_for(staff).get(profile_url(auditor)).status_code == 403
    assert key_client_for(org, ["read", "write"]).get(profile_url(auditor)).status_code == 403


# --- qualifications ---------------------------------------------------------------------------


def test_qualifications_are_made_granted_and_removed(client_for, admin, auditor):
    client = client_for(admin)
    created = client.post("/api/v1/qualifications/", {"code": "fr", "name": "French"}, format="json")
    assert created.status_code == 201, created.json()
    duplicate = client.post("/api/v1/qualifications/", {"code": "fr", "name": "Again"}, format="json")
    assert (duplicate.status_code, duplicate.json()["errors"][0]["code"]) == (409, "duplicate_code")
    assert [q["code"] for q in client.get("/api/v1/qualifications/").json()["results"]] == ["fr"]

    grant = f"{profile_url(auditor)}qualifications/fr/"
    assert client.post(grant).status_code == 201
    assert client.post(grant).status_code == 200  # again: nothing changes
    assert client.get(profile_url(auditor)).json()["qualifications"] == ["fr"]
    assert client.delete(grant).status_code == 204
    assert client.delete(grant).status_code == 204
    assert client.get(profile_url(auditor)).json()["qualifications"] == []
    assert client.post(f"{profile_url(auditor)}qualifications/nope/").status_code == 404


def test_only_admins_manage_qualifications(client_for, manager, auditor):
    assert (
        client_for(manager)
        .post("/api/v1/qualifications/", {"code": "x", "name": "X"}, format="json")
        .status_code
        == 403
    )
    assert client_for(manager).post(f"{profile_url(auditor)}qualifications/x/").status_code == 403


def test_checklists_require_qualifications_on_create_and_patch(client_for, admin, org):
    client = client_for(admin)
    client.post("/api/v1/qualifications/", {"code": "fr", "name": "French"}, format="json")
    from tests.factories import SIMPLE_SECTIONS  # noqa: PLC0415 - the one definition this test publishes

    body = {"name": "Paris", "channel": "in_person", "pass_threshold": 80, "sections": SIMPLE_SECTIONS}
    refused = client.post("/api/v1/checklists/", {**body, "required_qualifications": ["de"]}, format="json")
    assert (refused.status_code, refused.json()["errors"][0]["attr"]) == (400, "required_qualifications")
    created = client.post("/api/v1/checklists/", {**body, "required_qualifications": ["fr"]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["required_qualifications"] == ["fr"]
    url = f"/api/v1/checklists/{created.json()['id']}/"
    assert (
        client.patch(url, {"required_qualifications": []}, format="json").json()["required_qualifications"]
        == []
    )


# --- the rating -------------------------------------------------------------------------------


@pytest.fixture
def decided(client_for, shopper, admin, make_job, location):
    """``decided(decision)`` submits a visit of a new job at ``location`` and reviews it."""

    def make(decision):
        job = make_job(auditor=shopper, location=location)
        visit_id = client_for(shopper).post("/api/v1/visits/", visit_body(job), format="json").json()["id"]
        visit_review(actor=admin, visit_id=visit_id, decision=decision, comment="Checked.")
        return visit_id

    return make


def rating_of(client, user):
    body = client.get(profile_url(user)).json()
    return body["rating"], body["decided_visits"]


def test_the_rating_follows_every_decision_and_upheld_dispute(client_for, admin, shopper, staff, decided):
    client = client_for(admin)
    assert rating_of(client, shopper) == (5.0, 0)
    visit_id = decided("approve")
    assert rating_of(client, shopper) == (6.3, 1)  # (15 + 10) / 4 = 6.25
    decided("reject")
    assert rating_of(client, shopper) == (5.0, 2)  # (15 + 10 + 0) / 5
    dispute, _ = dispute_open(actor=staff, visit_id=visit_id, data=dispute_body(("smile", 5)))
    dispute_decide(actor=admin, dispute_id=dispute.pk, data=decide_body(("smile", "upheld")))
    assert rating_of(client, shopper) == (4.6, 2)  # (15 + 8 + 0) / 5
    report = client.get("/api/v1/reports/auditors/").json()
    [row] = [r for r in report["results"] if r["auditor"]["id"] == shopper.pk]
    assert row["rating"] == 4.6
