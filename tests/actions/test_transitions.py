"""Resolve (the location's staff), verify or reopen (managers, admins); every step in the history."""

import datetime as dt

import pytest

from actions.models import Action
from webhooks.models import Event

from .conftest import action_url, today_at


def _post(client, action, step, body):
    return client.post(action_url(action["id"], f"{step}/"), body, format="json")


def test_the_whole_loop_resolve_reopen_resolve_verify(client_for, staff, manager, create_action, location):
    action = create_action()
    resolved = _post(client_for(staff), action, "resolve", {"resolution": "Briefed the evening shift."})
    assert resolved.status_code == 200, resolved.json()
    assert (
        resolved.json()["status"] == "resolved"
        and resolved.json()["resolution"] == "Briefed the evening shift."
    )
    assert resolved.json()["resolved_at"] is not None

    new_due = (today_at(location) + dt.timedelta(days=3)).isoformat()
    reopened = _post(
        client_for(manager), action, "reopen", {"comment": "Still no name.", "due_date": new_due}
    )
    assert reopened.status_code == 200, reopened.json()
    data = reopened.json()
    assert (data["status"], data["resolution"], data["resolved_at"], data["due_date"]) == (
        "open",
        "",
        None,
        new_due,
    )

    _post(client_for(staff), action, "resolve", {"resolution": "Name badges for everyone."})
    verified = _post(client_for(manager), action, "verify", {"comment": "Heard it on the phone."})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    assert verified.json()["verified_at"] is not None

    history = client_for(staff).get(action_url(action["id"], "history/")).json()["results"]
    assert [(h["step"], h["actor_role"]) for h in history] == [
        ("created", "manager"),
        ("resolved", "staff"),
        ("reopened", "manager"),
        ("resolved", "staff"),
        ("verified", "manager"),
    ]
    assert history[1]["comment"] == "Briefed the evening shift."
    assert history[2]["comment"] == "Still no name." and history[2]["changes"]["due_date"][1] == new_due
    assert history[2]["actor"] == {"id": manager.pk, "display_name": manager.display_name or manager.username}
    events = Event.objects.filter(type__startswith="action.").order_by("created_at")
    types = list(events.values_list("type", flat=True))
    assert types == [
        "action.created",
        "action.resolved",
        "action.reopened",
        "action.resolved",
        "action.verified",
    ]


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "resolution", "required"),
        ({"resolution": ""}, "resolution", "blank"),
        ({"resolution": "   "}, "resolution", "blank"),
        ({"resolution": 5}, "resolution", "wrong_type"),
        ({"resolution": "ok", "photos": []}, "photos", "unknown_field"),
    ],
)
def test_a_resolution_needs_text(client_for, staff, create_action, body, attr, code):
    action = create_action()
    response = _post(client_for(staff), action, "resolve", body)
    assert response.status_code == 400
    assert (response.json()["errors"][0]["attr"], response.json()["errors"][0]["code"]) == (attr, code)
    assert Action.objects.get().status == "open"


def test_a_reopen_needs_a_comment_and_a_due_date_not_in_the_past(
    client_for, staff, manager, create_action, location
):
    action = create_action()
    _post(client_for(staff), action, "resolve", {"resolution": "Done."})
    assert _post(client_for(manager), action, "reopen", {}).status_code == 400
    past = (today_at(location) - dt.timedelta(days=1)).isoformat()
    response = _post(client_for(manager), action, "reopen", {"comment": "No.", "due_date": past})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "due_date"
    assert Action.objects.get().status == "resolved"


@pytest.mark.parametrize(
    ("status", "step", "role"),
    [
        ("open", "verify", "manager"),
        ("open", "reopen", "manager"),
        ("resolved", "resolve", "staff"),
        ("verified", "resolve", "staff"),
        ("verified", "reopen", "manager"),
        ("verified", "verify", "admin"),
        ("cancelled", "resolve", "staff"),
    ],
)
def test_a_wrong_state_is_a_409(client_for, request, create_action, status, step, role):
    action = create_action()
    Action.objects.filter(pk=action["id"]).update(status=status)
    body = {"resolution": "Again."} if step == "resolve" else {"comment": "Again."}
    response = _post(client_for(request.getfixturevalue(role)), action, step, body)
    assert response.status_code == 409, response.json()
    assert response.json()["errors"][0]["code"] == "invalid_transition"
    assert Action.objects.get().status == status


def test_the_same_resolve_sent_again_answers_the_stored_action(client_for, staff, create_action):
    action = create_action()
    first = _post(client_for(staff), action, "resolve", {"resolution": "Done."})
    again = _post(client_for(staff), action, "resolve", {"resolution": "Done."})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert Event.objects.filter(type="action.resolved").count() == 1
    other_text = _post(client_for(staff), action, "resolve", {"resolution": "Something else."})
    assert other_text.status_code == 409


def test_the_same_verify_sent_again_answers_the_stored_action(
    client_for, staff, manager, admin, create_action
):
    action = create_action()
    _post(client_for(staff), action, "resolve", {"resolution": "Done."})
    assert _post(client_for(manager), action, "verify", {}).status_code == 200
    assert _post(client_for(manager), action, "verify", {}).status_code == 200
    assert _post(client_for(admin), action, "verify", {}).status_code == 409  # someone else: a conflict
    assert Event.objects.filter(type="action.verified").count() == 1


@pytest.mark.parametrize(("step", "role"), [("resolve", "manager"), ("verify", "staff"), ("reopen", "staff")])
def test_each_step_belongs_to_its_role(client_for, request, staff, create_action, step, role):
    action = create_action()
    if step != "resolve":
        _post(client_for(staff), action, "resolve", {"resolution": "Done."})
    body = {"resolution": "Mine."} if step == "resolve" else {"comment": "Fine."}
    response = _post(client_for(request.getfixturevalue(role)), action, step, body)
    assert response.status_code == 403


def test_admins_and_write_keys_may_resolve_for_a_location_without_staff(
    client_for, admin, key_client_for, org, create_action
):
    first, second = create_action(), create_action()
    assert _post(client_for(admin), first, "resolve", {"resolution": "Done."}).status_code == 200
    assert (
        _post(key_client_for(org, ["read", "write"]), second, "resolve", {"resolution": "Done."}).status_code
        == 200
    )
    assert _post(key_client_for(org, ["read"]), second, "verify", {}).status_code == 403


def test_the_history_names_no_actor_for_an_api_key(key_client_for, org, client_for, admin, create_action):
    action = create_action(by=admin)
    _post(
        key_client_for(org, ["read", "write"]), action, "resolve", {"resolution": "Via the ticketing system."}
    )
    history = client_for(admin).get(action_url(action["id"], "history/")).json()["results"]
    assert (history[1]["actor"], history[1]["actor_role"]) == (None, "api_key")
