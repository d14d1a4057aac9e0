"""Review, dispute (open and decide) and action steps from the pages: the API's services, errors shown."""

import uuid

import pytest
from django.test import Client

from actions.models import Action, ActionHistory, ActionStatus
from audits.models import VisitHistory, VisitStatus
from disputes.models import Dispute, DisputeStatus

pytestmark = pytest.mark.django_db


def _visit_url(visit, form=""):
    return f"/dashboard/visits/{visit.pk}/" + (f"?form={form}" if form else "")


def test_a_manager_approves_a_visit_from_its_page(world, browse):
    client = browse(world.manager)
    page = client.get(_visit_url(world.submitted)).content.decode()
    assert "Send the review" in page

    response = client.post(_visit_url(world.submitted, "review"), {"decision": "approve", "comment": ""})
    assert response.status_code == 303
    world.submitted.refresh_from_db()
    assert world.submitted.status == VisitStatus.APPROVED
    entry = VisitHistory.objects.filter(visit=world.submitted).last()
    assert (entry.action, entry.actor_id) == ("approved", world.manager.pk)
    # The approval's corrective actions came with it, as through the API.
    assert Action.objects.filter(visit=world.submitted).exists()
    after = client.get(response["Location"]).content.decode()
    assert "Visit approved." in after and "Send the review" not in after


def test_returning_a_visit_needs_a_comment_and_says_so(world, browse):
    response = browse(world.manager).post(_visit_url(world.submitted, "review"), {"decision": "return"})
    assert response.status_code == 400
    assert "Say what to correct when returning a visit." in response.content.decode()
    world.submitted.refresh_from_db()
    assert world.submitted.status == VisitStatus.SUBMITTED


def test_reviewing_a_visit_twice_is_a_conflict_shown_on_the_page(world, browse):
    client = browse(world.manager)
    client.post(_visit_url(world.submitted, "review"), {"decision": "reject"})
    again = client.post(_visit_url(world.submitted, "review"), {"decision": "approve"})
    assert again.status_code == 409
    assert "Only a submitted visit can be reviewed; this one is rejected." in again.content.decode()


def test_staff_have_no_review_button_and_cannot_review(world, browse):
    client = browse(world.staff)
    assert "Send the review" not in client.get(_visit_url(world.submitted)).content.decode()
    response = client.post(_visit_url(world.submitted, "review"), {"decision": "approve"})
    assert response.status_code == 403
    world.submitted.refresh_from_db()
    assert world.submitted.status == VisitStatus.SUBMITTED


def _dispute_form(**fields):
    return {"id": str(uuid.uuid4()), "comment": "The till log says so.", **fields}


def test_staff_dispute_a_visit_from_its_page(world, browse):
    client = browse(world.staff)
    page = client.get(_visit_url(world.submitted)).content.decode()
    assert "Open the dispute" in page
    form = _dispute_form(
        items=["greeted", "wait_minutes"],
        **{
            "value:greeted": "yes",
            "reason:greeted": "We greeted at once.",
            "value:wait_minutes": "3",
            "reason:wait_minutes": "The receipt shows three minutes.",
        },
    )
    response = client.post(_visit_url(world.submitted, "dispute"), form)
    assert response.status_code == 303
    dispute = Dispute.objects.get(visit=world.submitted)
    assert dispute.status == DisputeStatus.OPEN and dispute.created_by_role == "staff"
    assert [(i.item_key, i.proposed_value) for i in dispute.items.order_by("position")] == [
        ("greeted", True),
        ("wait_minutes", 3),
    ]
    # The same form sent again (a double click) opens nothing more: the API's replay.
    client.post(_visit_url(world.submitted, "dispute"), form)
    assert Dispute.objects.filter(visit=world.submitted).count() == 1


def test_dispute_problems_are_shown_beside_their_item(world, browse):
    client = browse(world.staff)
    not_a_number = client.post(
        _visit_url(world.submitted, "dispute"),
        _dispute_form(items=["wait_minutes"], **{"value:wait_minutes": "soon", "reason:wait_minutes": "x"}),
    )
    assert not_a_number.status_code == 400
    assert "Give the answer you propose" in not_a_number.content.decode()
    absurd = client.post(
        _visit_url(world.submitted, "dispute"),
        _dispute_form(
            items=["wait_minutes"], **{"value:wait_minutes": "1e999999999", "reason:wait_minutes": "x"}
        ),
    )
    assert absurd.status_code == 400
    no_reason = client.post(
        _visit_url(world.submitted, "dispute"), _dispute_form(items=["greeted"], **{"value:greeted": "yes"})
    )
    assert no_reason.status_code == 400
    assert "This field may not be blank." in no_reason.content.decode()
    nothing = client.post(_visit_url(world.submitted, "dispute"), _dispute_form())
    assert nothing.status_code == 400
    assert "Tick at least one item to dispute." in nothing.content.decode()
    assert not Dispute.objects.filter(visit=world.submitted).exists()


def test_a_second_dispute_while_one_is_open_is_refused(world, browse):
    client = browse(world.staff)
    page = client.get(_visit_url(world.disputed)).content.decode()
    assert "Open the dispute" not in page  # the visit already has an open dispute
    response = client.post(
        _visit_url(world.disputed, "dispute"),
        _dispute_form(items=["greeted"], **{"value:greeted": "yes", "reason:greeted": "x"}),
    )
    assert response.status_code == 409
    assert "This visit already has an open dispute" in response.content.decode()


def test_a_manager_decides_the_open_dispute_on_the_visit_page(world, browse):
    client = browse(world.manager)
    page = client.get(_visit_url(world.disputed)).content.decode()
    assert "Decide the open dispute" in page
    response = client.post(
        _visit_url(world.disputed, "decide"), {"decision:solved": "upheld", "comment": "Fair."}
    )
    assert response.status_code == 303
    dispute = Dispute.objects.get(visit=world.disputed)
    assert dispute.status == DisputeStatus.UPHELD
    world.disputed.refresh_from_db()
    assert world.disputed.original_score is not None  # re-scored, as through the API


def test_an_undecided_item_is_named(world, browse):
    response = browse(world.manager).post(_visit_url(world.disputed, "decide"), {"comment": "?"})
    assert response.status_code == 400
    assert Dispute.objects.get(visit=world.disputed).status == DisputeStatus.OPEN


def _open_action(world):
    return (
        Action.objects.filter(location=world.amsterdam, status=ActionStatus.OPEN).order_by("due_date").first()
    )


def test_staff_resolve_and_a_manager_verifies_an_action_from_the_board(world, browse):
    action = _open_action(world)
    staff = browse(world.staff)
    board = staff.get("/dashboard/actions/").content.decode()
    assert f"/dashboard/actions/{action.pk}/resolve/" in board

    response = staff.post(
        f"/dashboard/actions/{action.pk}/resolve/",
        {"text": "Briefed the team.", "next": "/dashboard/actions/"},
    )
    assert response.status_code == 303 and response["Location"] == "/dashboard/actions/"
    action.refresh_from_db()
    assert (action.status, action.resolution) == (ActionStatus.RESOLVED, "Briefed the team.")

    manager = browse(world.manager)
    assert f"/dashboard/actions/{action.pk}/verify/" in manager.get("/dashboard/actions/").content.decode()
    manager.post(f"/dashboard/actions/{action.pk}/verify/", {"text": "Checked on site."})
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED
    steps = list(ActionHistory.objects.filter(action=action).values_list("step", "actor_id"))
    assert steps[-2:] == [("resolved", world.staff.pk), ("verified", world.manager.pk)]


def test_a_manager_reopens_a_resolved_action(world, browse):
    action = _open_action(world)
    browse(world.staff).post(f"/dashboard/actions/{action.pk}/resolve/", {"text": "Done."})
    browse(world.manager).post(f"/dashboard/actions/{action.pk}/reopen/", {"text": "Not yet."})
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_refused_action_steps_come_back_as_messages(world, browse):
    action = _open_action(world)
    manager = browse(world.manager)
    response = manager.post(
        f"/dashboard/actions/{action.pk}/verify/", {"next": "/dashboard/actions/?window=28"}
    )
    assert response["Location"] == "/dashboard/actions/?window=28"
    page = manager.get(response["Location"]).content.decode()
    assert "Not verified: Only a resolved action can be verified; this one is open." in page
    staff = browse(world.staff)
    staff.post(f"/dashboard/actions/{action.pk}/verify/", {"next": "https://evil.example/"})
    assert "Managers and admins verify actions." in staff.get("/dashboard/actions/").content.decode()
    foreign = Action.objects.exclude(location__region=world.north).first()
    missing = manager.post(f"/dashboard/actions/{foreign.pk}/resolve/", {"text": "x"})
    assert missing["Location"] == "/dashboard/actions/"
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_every_write_needs_its_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager)
    action = _open_action(world)
    for url, body in (
        (_visit_url(world.submitted, "review"), {"decision": "approve"}),
        (_visit_url(world.disputed, "decide"), {"decision:solved": "upheld"}),
        (f"/dashboard/actions/{action.pk}/reopen/", {"text": "x"}),
    ):
        response = client.post(url, body)
        assert response.status_code == 403, url
        assert "This form has expired" in response.content.decode()
    world.submitted.refresh_from_db()
    assert world.submitted.status == VisitStatus.SUBMITTED
    assert Dispute.objects.get(visit=world.disputed).status == DisputeStatus.OPEN


HOSTILE_QUERIES = [
    "?window=%00",
    "?from=%00&to=9999-99-99",
    "?region=-1",
    "?region=1%20OR%201=1",
    "?checklist=1e99",
    "?page=-5",
    "?page=99999999999999999999",
    "?location=%00",
    "?location=99999999999999999999999",
    "?window=custom&from=2026-02-30",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_no_query_string_makes_a_page_fail(world, browse, query):
    client = browse(world.manager)
    for page in ("overview", "locations", "actions", "disputes"):
        response = client.get(f"/dashboard/{page}/{query}")
        assert response.status_code in (200, 400, 404), (page, query, response.status_code)
    assert client.get(f"/dashboard/visits/{world.submitted.pk}/{query}").status_code == 200


@pytest.mark.parametrize(
    "form, body",
    [
        ("review", {"decision": "maybe"}),
        ("review", {"decision": "approve", "comment": "x" * 5000}),
        (
            "dispute",
            {"id": "not-a-uuid", "items": ["greeted"], "value:greeted": "yes", "reason:greeted": "x"},
        ),
        ("dispute", {"items": ["nope", "greeted"], "value:greeted": "maybe", "reason:greeted": "x"}),
        ("dispute", {"items": ["greeted"], "value:greeted": "yes", "reason:greeted": "bad\x00byte"}),
        ("dispute", {"items": ["warmth"], "value:warmth": "99", "reason:warmth": "x", "comment": "y" * 5000}),
        ("decide", {"decision:solved": "maybe"}),
        ("nothing", {}),
    ],
)
def test_no_form_makes_the_visit_page_fail(world, browse, form, body):
    visit = world.disputed if form == "decide" else world.submitted
    for who in (world.manager, world.staff):
        response = browse(who).post(_visit_url(visit, form), body)
        assert response.status_code in (303, 400, 403, 404, 409), (form, who, response.status_code)
