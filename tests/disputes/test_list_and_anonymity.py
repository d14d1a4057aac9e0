"""Listing and reading disputes with filters and scope; auditor anonymity everywhere; the events."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from audits.models import Visit
from tests.factories import UserFactory
from webhooks.models import Delivery, Event, Webhook

from .conftest import decide_body, decision_url

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def two_disputes(org, other_location, make_visit, visit, open_dispute, admin, client_for):
    near = open_dispute(("wait_minutes", 2))
    far_visit = make_visit(other_location)
    far = open_dispute(("offer", "great"), by=admin, on=far_visit)
    client_for(UserFactory(organization=org, role=Role.ADMIN)).post(
        decision_url(far["id"]), decide_body(("offer", "upheld")), format="json"
    )
    return near, far, far_visit


def test_lists_are_scoped_and_filtered(
    client_for, admin, manager, staff, auditor, location, region, two_disputes
):
    near, far, far_visit = two_disputes
    assert ids(client_for(admin).get("/api/v1/disputes/")) == [far["id"], near["id"]]
    assert ids(client_for(manager).get("/api/v1/disputes/")) == [near["id"]]
    assert ids(client_for(staff).get("/api/v1/disputes/")) == [near["id"]]
    assert ids(client_for(auditor).get("/api/v1/disputes/")) == [far["id"], near["id"]]  # both their visits
    admin_client = client_for(admin)
    assert ids(admin_client.get("/api/v1/disputes/?status=upheld")) == [far["id"]]
    assert ids(admin_client.get(f"/api/v1/disputes/?location={location.pk}")) == [near["id"]]
    assert ids(admin_client.get(f"/api/v1/disputes/?region={region.pk}")) == [near["id"]]
    assert ids(admin_client.get(f"/api/v1/disputes/?visit={far_visit.pk}")) == [far["id"]]
    Visit.objects.filter(pk=far_visit.pk).update(local_date=dt.date(2020, 1, 1))
    assert ids(admin_client.get("/api/v1/disputes/?from=2020-01-01&to=2020-01-31")) == [far["id"]]
    assert admin_client.get("/api/v1/disputes/?status=maybe").status_code == 400
    assert admin_client.get("/api/v1/disputes/?from=yesterday").json()["errors"][0]["attr"] == "from"


def test_read_one_and_404_outside_scope(client_for, staff, foreign_admin, two_disputes):
    near, far, _ = two_disputes
    assert client_for(staff).get(f"/api/v1/disputes/{near['id']}/").json() == near
    assert client_for(staff).get(f"/api/v1/disputes/{far['id']}/").status_code == 404
    assert client_for(foreign_admin).get(f"/api/v1/disputes/{near['id']}/").status_code == 404
    assert client_for(staff).get("/api/v1/disputes/not-a-uuid/").status_code == 404


def test_the_auditor_never_learns_who_opened_a_dispute(client_for, auditor, staff, visit, open_dispute):
    dispute = open_dispute(("wait_minutes", 2))
    text = json.dumps(
        [
            client_for(auditor).get("/api/v1/disputes/").json(),
            client_for(auditor).get(f"/api/v1/disputes/{dispute['id']}/").json(),
            client_for(auditor).get(f"/api/v1/visits/{visit.pk}/history/").json(),
        ]
    )
    assert staff.username not in text and staff.display_name not in text
    assert f'"id": {staff.pk},' not in text
    assert dispute["created_by_role"] == "staff"


def test_staff_and_api_keys_never_learn_who_audited(
    client_for, key_client_for, org, admin, staff, auditor, visit, open_dispute
):
    dispute = open_dispute(("wait_minutes", 2))
    client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    for client in (client_for(staff), key_client_for(org, ["read"])):
        bodies = [
            client.get("/api/v1/disputes/"),
            client.get(f"/api/v1/disputes/{dispute['id']}/"),
            client.get(f"/api/v1/visits/{visit.pk}/history/"),
            client.get("/api/v1/reports/disputes/"),
            client.post(decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"),
        ]
        text = json.dumps([response.json() for response in bodies])
        assert auditor.username not in text and auditor.display_name not in text
    events = json.dumps([event.data for event in Event.objects.filter(type__startswith="dispute.")])
    assert auditor.username not in events and auditor.display_name not in events
    assert "auditor" not in events


def test_events_are_recorded_with_the_change(client_for, org, admin, visit, open_dispute):
    hook = Webhook.objects.create(
        organization=org,
        url="https://hooks.example.com/x",
        events=["dispute.opened", "dispute.decided"],
        secret="s" * 32,
    )
    dispute = open_dispute(("wait_minutes", 2))
    opened = Event.objects.get(type="dispute.opened")
    assert opened.data["id"] == dispute["id"] and opened.data["status"] == "open"
    client_for(admin).post(
        decision_url(dispute["id"]), decide_body(("wait_minutes", "upheld")), format="json"
    )
    decided = Event.objects.get(type="dispute.decided")
    assert decided.data["status"] == "upheld"
    assert decided.data["rescored"]["score"] == [43.75, 52.08]
    assert Delivery.objects.filter(webhook=hook).count() == 2


def test_webhooks_may_subscribe_to_dispute_events(client_for, admin):
    response = client_for(admin).post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/d", "events": ["dispute.opened", "dispute.decided"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["events"]) == ["dispute.decided", "dispute.opened"]


def test_a_page_of_disputes_is_two_queries_whatever_its_size(
    client_for, admin, make_visit, location, open_dispute, django_assert_max_num_queries
):
    for _ in range(4):
        open_dispute(("wait_minutes", 2), on=make_visit(location))
    client = client_for(admin)

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/disputes/?page_size=1")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/disputes/")
    assert len(many) == len(few)
