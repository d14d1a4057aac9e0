"""Two people acting on one action at the same moment, over HTTP, with real threads (PostgreSQL only).

Every write locks the action's row first: the second writer sees the first's result, so exactly one
of two conflicting transitions takes effect (the other is a 409) and compatible writes both land.
"""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from actions.models import Action, ActionHistory
from actions.services import action_resolve, overdue_moment
from tests.concurrency import race
from tests.factories import UserFactory
from webhooks.models import Event

from .conftest import action_url, manual_body

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's real row locks"),
    pytest.mark.django_db(transaction=True),
]


def post(client, url, body, answers):
    """A POST whose response is kept in ``answers``; returns its status code."""

    def call():
        response = client.post(url, body, format="json")
        answers.append(response)
        return response.status_code

    return call


def steps(action_id):
    return list(ActionHistory.objects.filter(action_id=action_id).values_list("step", flat=True))


@pytest.fixture
def second_manager(org, region):
    return UserFactory(organization=org, role=Role.MANAGER, regions=[region])


@pytest.fixture
def second_staff(org, location):
    return UserFactory(organization=org, role=Role.STAFF, locations=[location])


@pytest.fixture
def open_action(create_action):
    return create_action()["id"]


@pytest.fixture
def resolved_action(open_action, staff):
    action_resolve(actor=staff, action_id=open_action, resolution="Briefed the evening shift.")
    return open_action


def test_a_verify_and_a_reopen_at_once_take_exactly_one(client_for, manager, second_manager, resolved_action):
    answers = []
    outcomes = race(
        post(client_for(manager), action_url(resolved_action, "verify/"), {"comment": "Good."}, answers),
        post(
            client_for(second_manager),
            action_url(resolved_action, "reopen/"),
            {"comment": "Not fixed."},
            answers,
        ),
    )
    assert outcomes == [200, 409]
    [won] = [r.json() for r in answers if r.status_code == 200]
    [lost] = [r.json() for r in answers if r.status_code == 409]
    assert lost["errors"][0]["code"] == "invalid_transition"
    action = Action.objects.get(pk=resolved_action)
    history = steps(resolved_action)
    if action.status == "verified":
        assert history == ["created", "resolved", "verified"]
        assert action.verified_at is not None and action.resolution
        assert Event.objects.filter(type="action.reopened").count() == 0
    else:
        assert action.status == "open"
        assert history == ["created", "resolved", "reopened"]
        assert action.verified_at is None and action.resolution == ""
        assert Event.objects.filter(type="action.verified").count() == 0
    assert won["status"] == action.status


def test_two_staff_resolving_at_once_keep_one_resolution(client_for, staff, second_staff, open_action):
    answers = []
    outcomes = race(
        post(client_for(staff), action_url(open_action, "resolve/"), {"resolution": "New rota."}, answers),
        post(
            client_for(second_staff),
            action_url(open_action, "resolve/"),
            {"resolution": "Retrained everyone."},
            answers,
        ),
    )
    assert outcomes == [200, 409]
    [won] = [r.json() for r in answers if r.status_code == 200]
    [lost] = [r.json() for r in answers if r.status_code == 409]
    assert lost["errors"][0]["code"] == "invalid_transition"
    action = Action.objects.get(pk=open_action)
    assert action.status == "resolved"
    assert action.resolution == won["resolution"]
    resolved = ActionHistory.objects.filter(action_id=open_action, step="resolved")
    assert [entry.comment for entry in resolved] == [won["resolution"]]
    assert Event.objects.filter(type="action.resolved").count() == 1


def test_twins_of_one_manual_action_create_it_once(client_for, manager, location):
    body = manual_body(location)
    answers = []
    outcomes = race(*[post(client_for(manager), action_url(), dict(body), answers) for _ in range(4)])
    assert outcomes == [200, 200, 200, 201]
    assert {r.json()["id"] for r in answers} == {body["id"]}
    assert len({r.content for r in answers if r.status_code == 200}) == 1
    assert Action.objects.count() == 1
    assert steps(body["id"]) == ["created"]
    assert Event.objects.filter(type="action.created").count() == 1


def test_an_edit_of_the_due_date_and_a_resolve_at_once_both_land(
    client_for, manager, staff, location, open_action
):
    new_due = timezone.localdate() + dt.timedelta(days=21)
    answers = []
    outcomes = race(
        lambda: (
            client_for(manager)
            .patch(action_url(open_action), {"due_date": new_due.isoformat()}, format="json")
            .status_code
        ),
        post(client_for(staff), action_url(open_action, "resolve/"), {"resolution": "New rota."}, answers),
    )
    assert outcomes == [200, 200]
    action = Action.objects.get(pk=open_action)
    # Neither write undid the other: the row holds both, as its history says.
    assert (action.status, action.resolution, action.due_date) == ("resolved", "New rota.", new_due)
    assert action.overdue_at == overdue_moment(new_due, location.timezone)
    assert action.resolved_at is not None
    history = {entry.step: entry for entry in ActionHistory.objects.filter(action_id=open_action)}
    assert sorted(history) == ["created", "resolved", "updated"]
    assert history["updated"].changes["due_date"][1] == new_due.isoformat()
    assert history["resolved"].changes == {"status": ["open", "resolved"]}
    served = client_for(manager).get(action_url(open_action)).json()
    assert (served["status"], served["due_date"], served["resolution"]) == (
        "resolved",
        new_due.isoformat(),
        "New rota.",
    )


def test_a_verify_sent_twice_at_once_by_one_manager_is_taken_once(client_for, manager, resolved_action):
    """A phone resending its request: both answers are the verified action, one step, one event."""
    answers = []
    body = {"comment": "Good."}
    outcomes = race(
        *[post(client_for(manager), action_url(resolved_action, "verify/"), body, answers) for _ in range(2)]
    )
    assert outcomes == [200, 200]
    assert {r.json()["status"] for r in answers} == {"verified"}
    assert steps(resolved_action) == ["created", "resolved", "verified"]
    assert Event.objects.filter(type="action.verified").count() == 1
