"""Manual actions: created by managers and admins (idempotent on the phone-made id), edited by PATCH."""

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.utils import timezone

from actions import services
from actions.models import Action, ActionHistory
from tests.factories import LocationFactory
from webhooks.models import Event

from .conftest import action_url, manual_body, today_at


def test_a_manager_creates_an_action_for_a_location_of_their_region(client_for, manager, location):
    body = manual_body(location)
    response = client_for(manager).post(action_url(), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["id"] == body["id"] and data["source"] == "manual" and data["status"] == "open"
    assert data["location"] == location.pk and data["visit"] is None and data["item"] is None
    assert data["due_date"] == body["due_date"] and data["overdue"] is False
    assert set(data) == {
        "id", "location", "visit", "item", "source", "title", "description", "status", "due_date",
        "overdue", "created_at", "resolved_at", "resolution", "verified_at", "updated_at",
    }  # fmt: skip
    assert Event.objects.get(type="action.created").data["id"] == body["id"]


def test_resending_the_same_body_answers_the_stored_action(client_for, manager, location):
    body = manual_body(location)
    first = client_for(manager).post(action_url(), body, format="json")
    again = client_for(manager).post(action_url(), {**body, "id": body["id"].upper()}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Action.objects.count() == 1 and ActionHistory.objects.count() == 1
    assert Event.objects.filter(type="action.created").count() == 1


def test_the_same_id_with_another_body_is_a_conflict(client_for, manager, location):
    body = manual_body(location)
    client_for(manager).post(action_url(), body, format="json")
    response = client_for(manager).post(action_url(), {**body, "title": "Something else"}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_conflict"


def test_an_id_of_another_organization_is_taken_without_saying_more(
    client_for, manager, foreign_admin, location, other_org
):
    from tests.factories import RegionFactory  # noqa: PLC0415 - only this test needs a foreign location

    foreign_location = LocationFactory(region=RegionFactory(organization=other_org))
    body = manual_body(foreign_location)
    assert client_for(foreign_admin).post(action_url(), body, format="json").status_code == 201
    response = client_for(manager).post(
        action_url(), {**manual_body(location), "id": body["id"]}, format="json"
    )
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "id_taken"


def test_a_resend_days_later_is_still_a_replay_though_the_due_date_is_now_past(
    client_for, manager, location, monkeypatch
):
    body = manual_body(location, due_date=today_at(location).isoformat())
    assert client_for(manager).post(action_url(), body, format="json").status_code == 201
    later = timezone.now() + dt.timedelta(days=3)
    monkeypatch.setattr(services.timezone, "now", lambda: later)  # the phone was offline for days
    response = client_for(manager).post(action_url(), body, format="json")
    assert response.status_code == 200, response.json()
    fresh = client_for(manager).post(action_url(), {**body, "id": str(uuid.uuid4())}, format="json")
    assert fresh.status_code == 400 and fresh.json()["errors"][0]["code"] == "past"


@pytest.mark.parametrize(
    ("override", "attr", "code"),
    [
        ({"due_date": "yesterday"}, "due_date", "past"),
        ({"due_date": "far"}, "due_date", "too_far"),
        ({"title": ""}, "title", "blank"),
        ({"title": "x" * 201}, "title", "max_length"),
        ({"due_date": "2026-02-30"}, "due_date", "invalid"),
        ({"location": "seven"}, "location", "wrong_type"),
        ({"location": 2**63}, "location", "max_value"),
        ({"id": "not-a-uuid"}, "id", "invalid"),
        ({"colour": "red"}, "colour", "unknown_field"),
        ({"item": "greeted"}, "item", "visit_required"),
        ({"visit": str(uuid.uuid4())}, "visit", "does_not_exist"),
        ({"description": ["a"]}, "description", "wrong_type"),
    ],
)
def test_bad_bodies_are_400_naming_the_field_and_write_nothing(
    client_for, manager, location, override, attr, code
):
    if override.get("due_date") == "yesterday":
        override = {"due_date": (today_at(location) - dt.timedelta(days=1)).isoformat()}
    elif override.get("due_date") == "far":
        override = {"due_date": (today_at(location) + dt.timedelta(days=2000)).isoformat()}
    response = client_for(manager).post(action_url(), manual_body(location, **override), format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert (errors[0]["attr"], errors[0]["code"]) == (attr, code), errors
    assert not Action.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize("body", [[], "text", None, 3])
def test_a_body_that_is_not_an_object_is_a_400(client_for, manager, body):
    response = client_for(manager).post(action_url(), body, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_a_location_outside_the_managers_regions_is_a_400_on_location(client_for, manager, other_location):
    response = client_for(manager).post(action_url(), manual_body(other_location), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "location"
    assert not Action.objects.exists()


def test_a_due_date_of_today_is_today_in_the_location_time_zone(client_for, admin, location):
    location.timezone = "Pacific/Pago_Pago"  # UTC-11: still yesterday for most of the world
    location.save()
    local_today = timezone.localtime(timezone.now(), timezone=dt.timezone(dt.timedelta(hours=-11))).date()
    ok = client_for(admin).post(
        action_url(), manual_body(location, due_date=local_today.isoformat()), format="json"
    )
    assert ok.status_code == 201, ok.json()
    past = local_today - dt.timedelta(days=1)
    refused = client_for(admin).post(
        action_url(), manual_body(location, due_date=past.isoformat()), format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "past"


def test_an_action_can_follow_up_a_visit_and_one_of_its_items(client_for, manager, location, make_approved):
    visit = make_approved(location)
    body = manual_body(location, visit=str(visit.pk), item="greeted")
    response = client_for(manager).post(action_url(), body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["visit"], response.json()["item"]) == (str(visit.pk), "greeted")
    unknown = client_for(manager).post(
        action_url(), manual_body(location, visit=str(visit.pk), item="nope"), format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["attr"] == "item"


def test_a_visit_of_another_location_is_refused(client_for, admin, location, other_location, make_approved):
    visit = make_approved(other_location)
    response = client_for(admin).post(action_url(), manual_body(location, visit=str(visit.pk)), format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "visit"


@pytest.mark.parametrize("role", ["staff", "auditor"])
def test_staff_and_auditors_may_not_create_actions(client_for, request, role, location):
    response = client_for(request.getfixturevalue(role)).post(
        action_url(), manual_body(location), format="json"
    )
    assert response.status_code == 403


def test_api_keys_create_only_with_write(key_client_for, org, location):
    read_only = key_client_for(org, ["read"]).post(action_url(), manual_body(location), format="json")
    assert read_only.status_code == 403
    writer = key_client_for(org, ["read", "write"]).post(action_url(), manual_body(location), format="json")
    assert writer.status_code == 201


# --- PATCH ----------------------------------------------------------------------------------


def test_patch_changes_title_description_and_due_date_with_history(
    client_for, manager, location, create_action
):
    action = create_action()
    due = (today_at(location) + dt.timedelta(days=30)).isoformat()
    response = client_for(manager).patch(
        action_url(action["id"]), {"title": "Greet by name", "due_date": due}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["due_date"]) == ("Greet by name", due)
    entry = ActionHistory.objects.filter(step="updated").get()
    assert entry.changes == {
        "title": ["Greet every caller by name", "Greet by name"],
        "due_date": [action["due_date"], due],
    }
    assert Event.objects.filter(type="action.updated").count() == 1
    row = Action.objects.get()
    next_day = dt.datetime.combine(today_at(location) + dt.timedelta(days=31), dt.time.min)
    assert row.overdue_at == next_day.replace(tzinfo=zoneinfo.ZoneInfo(location.timezone))


def test_a_patch_that_changes_nothing_records_nothing(client_for, manager, create_action):
    action = create_action()
    response = client_for(manager).patch(action_url(action["id"]), {"title": action["title"]}, format="json")
    assert response.status_code == 200
    assert not ActionHistory.objects.filter(step="updated").exists()


def test_patch_refuses_a_past_due_date_and_unknown_fields(client_for, manager, location, create_action):
    action = create_action()
    past = client_for(manager).patch(
        action_url(action["id"]),
        {"due_date": (today_at(location) - dt.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert past.status_code == 400 and past.json()["errors"][0]["attr"] == "due_date"
    unknown = client_for(manager).patch(action_url(action["id"]), {"status": "verified"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["code"] == "unknown_field"
    assert Action.objects.get().status == "open"


def test_staff_may_not_patch(client_for, staff, create_action):
    action = create_action()
    assert (
        client_for(staff).patch(action_url(action["id"]), {"title": "Mine"}, format="json").status_code == 403
    )


def test_a_closed_action_can_no_longer_be_edited(client_for, manager, staff, create_action):
    action = create_action()
    client_for(staff).post(action_url(action["id"], "resolve/"), {"resolution": "Done."}, format="json")
    client_for(manager).post(action_url(action["id"], "verify/"), {}, format="json")
    response = client_for(manager).patch(action_url(action["id"]), {"title": "Late edit"}, format="json")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "action_closed"
