"""Visits on a branching checklist: hidden items take no answer, need no photos, are not scored,
and a revision recomputes what is hidden."""

import pytest

from audits.services import visit_review
from tests.factories import AssignmentFactory, ChecklistFactory

from .conftest import visit_body

VISITS = "/api/v1/visits/"

BRANCHING = [
    {
        "key": "greeting",
        "title": "Greeting",
        "items": [
            {"key": "greeted", "prompt": "Did staff greet you?", "type": "yes_no"},
            {
                "key": "acknowledged",
                "prompt": "Did anyone acknowledge you within 2 minutes?",
                "type": "yes_no",
                "critical": True,
                "photo": {"min": 1, "max": 2},
                "show_if": {"===": [{"var": "greeted"}, False]},
            },
        ],
    },
    {
        "key": "checkout",
        "title": "Checkout",
        "show_if": {"!==": [{"var": "greeted"}, None]},
        "items": [
            {"key": "bought", "prompt": "Did you buy something?", "type": "yes_no", "allow_na": True},
            {
                "key": "pay_minutes",
                "prompt": "Minutes to pay",
                "type": "number",
                "pass_max": 5,
                "show_if": {"var": "bought"},
            },
            {
                "key": "receipt",
                "prompt": "Photograph the receipt",
                "type": "photo",
                "show_if": {"var": "bought"},
            },
        ],
    },
]


def answer(item, value=None, na=False):
    return {"item": item, "value": value, "na": na, "comment": ""}


@pytest.fixture
def branching_assignment(org, location, auditor):
    checklist = ChecklistFactory(organization=org, sections=BRANCHING)
    return AssignmentFactory(
        organization=org,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
    )


def submit(client, assignment, answers):
    return client.post(VISITS, visit_body(assignment, answers=answers), format="json")


def test_hidden_items_take_no_answer_need_no_photos_and_are_listed(client_for, auditor, branching_assignment):
    response = submit(
        client_for(auditor),
        branching_assignment,
        [answer("greeted", True), answer("bought", True), answer("pay_minutes", 3)],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["hidden_items"] == ["acknowledged"]
    assert body["unanswered_items"] == []
    assert body["photos_missing"] == [{"item": "receipt", "missing": 1}]  # not the hidden item's
    assert body["score"] == 100.0 and body["passed"] is True
    assert body["critical_failures"] == []


def test_a_branch_shows_its_follow_up_which_must_be_answered(client_for, auditor, branching_assignment):
    response = submit(
        client_for(auditor), branching_assignment, [answer("greeted", False), answer("bought", False)]
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["attr"], e["code"]) for e in errors] == [("answers", "unanswered_items")]
    assert "acknowledged" in errors[0]["detail"]


def test_a_shown_critical_follow_up_scores_and_can_fail(client_for, auditor, branching_assignment):
    response = submit(
        client_for(auditor),
        branching_assignment,
        [answer("greeted", False), answer("acknowledged", False), answer("bought", False)],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["hidden_items"] == ["pay_minutes", "receipt"]
    assert body["critical_failures"] == ["acknowledged"] and body["passed"] is False
    assert body["photos_missing"] == [{"item": "acknowledged", "missing": 1}]


def test_an_answer_to_a_hidden_item_is_refused_with_hidden_item(client_for, auditor, branching_assignment):
    response = submit(
        client_for(auditor),
        branching_assignment,
        [
            answer("greeted", True),
            answer("acknowledged", True),
            answer("bought", False),
            answer("pay_minutes", 9),
        ],
    )
    assert response.status_code == 400
    errors = [(e["attr"], e["code"]) for e in response.json()["errors"]]
    assert errors == [("answers.1.item", "hidden_item"), ("answers.3.item", "hidden_item")]
    assert not branching_assignment.checklist.visits.exists()


def test_na_reads_as_null_and_hides_what_depends_on_it(client_for, auditor, branching_assignment):
    response = submit(
        client_for(auditor), branching_assignment, [answer("greeted", True), answer("bought", na=True)]
    )
    assert response.status_code == 201, response.content
    assert response.json()["hidden_items"] == ["acknowledged", "pay_minutes", "receipt"]


def test_a_revision_recomputes_what_is_hidden(client_for, auditor, admin, branching_assignment):
    client = client_for(auditor)
    created = submit(client, branching_assignment, [answer("greeted", True), answer("bought", False)]).json()
    assert created["hidden_items"] == ["acknowledged", "pay_minutes", "receipt"]
    visit_review(actor=admin, visit_id=created["id"], decision="return", comment="You were not greeted.")

    corrected = visit_body(
        branching_assignment,
        answers=[
            answer("greeted", False),
            answer("acknowledged", True),
            answer("bought", True),
            answer("pay_minutes", 7),
        ],
        id=created["id"],
    )
    response = client.put(f"{VISITS}{created['id']}/", corrected, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hidden_items"] == []
    assert {a["item"]: a["score"] for a in body["answers"]} == {
        "greeted": 0.0,
        "acknowledged": 1.0,
        "bought": 1.0,
        "pay_minutes": 0.0,
    }
    assert body["score"] == 50.0


def test_publishing_a_bad_show_if_names_its_path(client_for, admin):
    sections = [dict(section) for section in BRANCHING]
    sections[1] = {**sections[1], "show_if": {"==": [{"var": "receipt"}, 1]}}
    response = client_for(admin).post(
        "/api/v1/checklists/",
        {"name": "Branching", "channel": "in_person", "pass_threshold": 80, "sections": sections},
        format="json",
    )
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("sections.1.show_if.==", "unknown_operator")
    ]


def test_a_published_show_if_is_in_the_version_tree(client_for, admin):
    client = client_for(admin)
    created = client.post(
        "/api/v1/checklists/",
        {"name": "Branching", "channel": "in_person", "pass_threshold": 80, "sections": BRANCHING},
        format="json",
    )
    assert created.status_code == 201, created.content
    tree = client.get(f"/api/v1/checklists/{created.json()['id']}/versions/1/").json()
    assert tree["sections"][1]["show_if"] == {"!==": [{"var": "greeted"}, None]}
    assert tree["sections"][0]["items"][1]["show_if"] == {"===": [{"var": "greeted"}, False]}
    assert "show_if" not in tree["sections"][0]["items"][0]  # absent: always shown
