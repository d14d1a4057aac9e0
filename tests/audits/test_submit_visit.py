"""Submitting visits: scored responses, idempotency, validation paths, who may submit what."""

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from audits.models import Answer, Assignment, AssignmentStatus, Visit, VisitHistory
from audits.services import visit_submit
from tests.audits.conftest import FULL_SECTIONS, GOOD_ANSWERS, self_assessment_body, visit_body
from tests.factories import AssignmentFactory, ChecklistFactory, LocationFactory, UserFactory
from webhooks.models import Event

URL = "/api/v1/visits/"


def attrs(response) -> set:
    return {error["attr"] for error in response.json()["errors"]}


@pytest.fixture
def auditor_client(client_for, auditor):
    return client_for(auditor)


# --- the happy path ---------------------------------------------------------------------------


def test_submitting_a_visit_answers_201_with_the_scored_visit(auditor_client, assignment):
    body = visit_body(
        assignment, answers=[*GOOD_ANSWERS[:3], {"item": "wait_minutes", "value": 12}, *GOOD_ANSWERS[4:]]
    )
    response = auditor_client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    visit = response.json()
    # greeting 100; service: offer 1 (w1), wait 0 (w1), solved 1 (w2) -> 75; visit (2*100 + 75) / 3
    assert visit["score"] == 91.67
    assert visit["passed"] is True
    assert visit["sections"] == [{"key": "greeting", "score": 100.0}, {"key": "service", "score": 75.0}]
    assert visit["status"] == "submitted"
    assert visit["kind"] == "mystery"
    assert visit["id"] == body["id"]
    assert visit["checklist_version"] == 1
    assert visit["critical_failures"] == []
    assert visit["photos_missing"] == [{"item": "storefront", "missing": 1}]
    assert visit["off_site"] is False and visit["outside_window"] is False
    assert visit["auditor"] is None  # auditors never see auditor identities, not even their own
    assert [a["item"] for a in visit["answers"]] == [a["item"] for a in body["answers"]]
    assert {a["item"]: a["score"] for a in visit["answers"]}["remarks"] is None
    assert visit["position"] == {"latitude": 52.3676, "longitude": 4.9041, "accuracy_m": 12.0}


def test_submitting_closes_the_assignment_and_records_history_and_the_event(
    auditor_client, assignment, auditor
):
    body = visit_body(assignment)
    auditor_client.post(URL, body, format="json")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    entry = VisitHistory.objects.get(visit_id=body["id"])
    assert entry.action == "submitted" and entry.actor == auditor
    event = Event.objects.get(type="visit.submitted")
    assert event.data["id"] == body["id"]
    assert event.data["auditor"] is None
    assert event.data["score"] == 100.0


def test_answers_store_the_exact_item_score_for_reports(auditor_client, assignment):
    answers = [dict(a) for a in GOOD_ANSWERS]
    answers[1]["value"] = 2  # warmth on 1..5: 1/4
    auditor_client.post(URL, visit_body(assignment, answers=answers), format="json")
    assert Answer.objects.get(item_key="warmth").score == 0.25
    assert Answer.objects.get(item_key="remarks").score is None


def test_answers_are_stored_exactly_as_sent(auditor_client, assignment):
    # On PostgreSQL the answers go in as one JSON recordset, elsewhere through bulk_create: both store
    # the same rows (a null value is SQL NULL, numbers keep their type, text is verbatim).
    answers = [
        {"item": "greeted", "value": True, "comment": "Très bien — “quoted”"},
        {"item": "warmth", "value": 4},
        {"item": "offer", "na": True},
        {"item": "wait_minutes", "value": 2.5},
        {"item": "solved", "value": False, "comment": r"C:\u0000 is a path, not a NUL"},
        {"item": "remarks", "value": "Lovely ✓"},
        {"item": "storefront", "value": None},
    ]
    response = auditor_client.post(URL, visit_body(assignment, answers=answers), format="json")
    assert response.status_code == 201, response.json()
    rows = Answer.objects.filter(visit_id=response.json()["id"]).order_by("position")
    assert [(a.position, a.section_key, a.item_key, a.value, a.na, a.comment, a.score) for a in rows] == [
        (0, "greeting", "greeted", True, False, "Très bien — “quoted”", 1.0),
        (1, "greeting", "warmth", 4, False, "", 0.75),
        (2, "service", "offer", None, True, "", None),
        (3, "service", "wait_minutes", 2.5, False, "", 1.0),
        (4, "service", "solved", False, False, r"C:\u0000 is a path, not a NUL", 0.0),
        (5, "service", "remarks", "Lovely ✓", False, "", None),
        (6, "service", "storefront", None, False, "", None),
    ]
    assert type(rows[1].value) is int and type(rows[3].value) is float
    nulls = Answer.objects.filter(visit_id=response.json()["id"], value__isnull=True)
    assert sorted(nulls.values_list("item_key", flat=True)) == ["offer", "storefront"]
    # The response renders the rows it stored.
    assert [a["comment"] for a in response.json()["answers"]][4] == r"C:\u0000 is a path, not a NUL"


def test_a_failed_critical_item_fails_the_visit(auditor_client, assignment):
    answers = [dict(a) for a in GOOD_ANSWERS]
    answers[4]["value"] = False
    visit = auditor_client.post(URL, visit_body(assignment, answers=answers), format="json").json()
    assert visit["critical_failures"] == ["solved"]
    assert visit["passed"] is False


def test_photo_items_may_be_listed_without_value_and_na_items_need_no_value(auditor_client, assignment):
    answers = [dict(a) for a in GOOD_ANSWERS]
    answers[2] = {"item": "offer", "na": True}
    answers.append({"item": "storefront", "value": None})
    response = auditor_client.post(URL, visit_body(assignment, answers=answers), format="json")
    assert response.status_code == 201, response.json()
    scored = {a["item"]: a for a in response.json()["answers"]}
    assert scored["offer"]["na"] is True and scored["offer"]["score"] is None


def test_off_site_is_flagged_by_great_circle_distance(auditor_client, assignment):
    # About 600 m north of the location (geofence 500 m by default).
    far = visit_body(assignment, position={"latitude": 52.3730, "longitude": 4.9041})
    assert auditor_client.post(URL, far, format="json").json()["off_site"] is True


def test_close_enough_or_no_position_is_not_off_site(client_for, org, location, checklist, auditor):
    near = AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
    body = visit_body(near, position={"latitude": 52.3710, "longitude": 4.9041})  # ~380 m
    assert client_for(auditor).post(URL, body, format="json").json()["off_site"] is False
    again = AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
    body = visit_body(again, position=None)
    visit = client_for(auditor).post(URL, body, format="json").json()
    assert visit["off_site"] is False and visit["position"] is None


def test_a_visit_outside_the_window_is_kept_and_flagged(auditor_client, assignment):
    started = assignment.due_from - dt.timedelta(days=2)
    body = visit_body(
        assignment,
        started_at=started.isoformat(),
        ended_at=(started + dt.timedelta(minutes=20)).isoformat(),
    )
    response = auditor_client.post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["outside_window"] is True


def test_an_expired_assignment_still_takes_its_late_visit(auditor_client, assignment):
    Assignment.objects.filter(pk=assignment.pk).update(
        due_until=timezone.now() - dt.timedelta(hours=2), due_from=timezone.now() - dt.timedelta(days=3)
    )
    auditor_client.get("/api/v1/assignments/")  # the lazy expiry flips it
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.EXPIRED
    response = auditor_client.post(URL, visit_body(assignment), format="json")
    assert response.status_code == 201
    assert response.json()["outside_window"] is True
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED


def test_period_keys_follow_the_locations_time_zone(client_for, org, checklist, auditor, region):
    tokyo = LocationFactory(region=region, timezone="Asia/Tokyo")
    job = AssignmentFactory(organization=org, location=tokyo, checklist=checklist, auditor=auditor)
    started = dt.datetime(2026, 11, 1, 16, 30, tzinfo=dt.UTC)  # Sunday in UTC, Monday in Tokyo
    body = visit_body(
        job, started_at=started.isoformat(), ended_at=(started + dt.timedelta(minutes=9)).isoformat()
    )
    client_for(auditor).post(URL, body, format="json")
    visit = Visit.objects.get(pk=body["id"])
    assert visit.local_date == dt.date(2026, 11, 2)
    assert visit.week_start == dt.date(2026, 11, 2)
    assert visit.month_start == dt.date(2026, 11, 1)
    assert visit.quarter_start == dt.date(2026, 10, 1)


# --- idempotency ------------------------------------------------------------------------------


def test_same_id_and_same_body_answers_200_with_the_stored_visit(auditor_client, assignment):
    body = visit_body(assignment)
    first = auditor_client.post(URL, body, format="json")
    again = auditor_client.post(URL, body, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert Visit.objects.count() == 1 and Answer.objects.count() == len(GOOD_ANSWERS)
    assert Event.objects.filter(type="visit.submitted").count() == 1


def test_the_same_body_is_compared_as_json_values_not_bytes(auditor_client, assignment):
    body = visit_body(assignment)
    first = auditor_client.post(URL, body, format="json")
    reordered = dict(reversed(list(body.items())))
    reordered["answers"] = [dict(reversed(list(a.items()))) for a in body["answers"]]
    reordered["answers"][3]["value"] = 3.0  # 3 and 3.0 are the same JSON number
    raw = __import__("json").dumps(reordered, indent=2)
    again = auditor_client.post(URL, raw, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_true_is_not_the_same_value_as_one(auditor_client, assignment):
    body = visit_body(assignment)
    auditor_client.post(URL, body, format="json")
    changed = dict(body, answers=[dict(a) for a in body["answers"]])
    changed["answers"][0]["value"] = 1
    assert auditor_client.post(URL, changed, format="json").status_code == 409


def test_same_id_different_body_is_a_conflict(auditor_client, assignment):
    body = visit_body(assignment)
    auditor_client.post(URL, body, format="json")
    response = auditor_client.post(URL, dict(body, notes="Edited afterwards."), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_conflict"
    assert Visit.objects.get().notes == "Busy lunchtime."


def test_an_id_taken_in_another_organization_is_an_opaque_conflict(
    client_for, foreign_assignment, assignment, auditor
):
    foreign = visit_body(foreign_assignment)
    visit_submit(actor=foreign_assignment.auditor, data=foreign)
    mine = visit_body(assignment, id=foreign["id"])
    response = client_for(auditor).post(URL, mine, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["code"] == "id_taken"
    assert foreign["id"] not in str(body) and "score" not in str(body)
    # Even the very same body from another organization learns nothing about the visit.
    response = client_for(auditor).post(URL, foreign, format="json")
    assert response.status_code == 409 and "answers" not in response.json()


def test_a_second_visit_for_the_same_assignment_is_a_conflict(auditor_client, assignment):
    auditor_client.post(URL, visit_body(assignment), format="json")
    response = auditor_client.post(URL, visit_body(assignment), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "assignment_submitted"


def test_a_cancelled_assignment_takes_no_visit(auditor_client, assignment):
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.CANCELLED)
    response = auditor_client.post(URL, visit_body(assignment), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "assignment_cancelled"


# --- validation -------------------------------------------------------------------------------


def test_every_problem_is_reported_at_once_with_its_path(auditor_client, assignment):
    answers = [
        {"item": "greeted", "value": 1},  # a number is not a boolean
        {"item": "warmth", "value": 9},  # out of 1..5
        {"item": "offer", "value": "superb"},  # not an option
        {"item": "wait_minutes", "value": "three"},
        {"item": "solved", "value": True, "colour": "red"},
        {"item": "remarks", "value": 42},
        {"item": "storefront", "value": "photo.jpg"},
        {"item": "nonsense", "value": True},
        {"item": "greeted", "value": True},
    ]
    now = timezone.now()
    body = visit_body(
        assignment,
        answers=answers,
        started_at=(now + dt.timedelta(minutes=30)).isoformat(),
        ended_at=(now + dt.timedelta(minutes=10)).isoformat(),
        position={"latitude": 95, "longitude": -181},
        surprise=True,
    )
    response = auditor_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert attrs(response) == {
        "answers.0.value",
        "answers.1.value",
        "answers.2.value",
        "answers.3.value",
        "answers.4.colour",
        "answers.5.value",
        "answers.6.value",
        "answers.7.item",
        "answers.8.item",
        "started_at",
        "ended_at",
        "position.latitude",
        "position.longitude",
        "surprise",
    }
    assert Visit.objects.count() == 0


def test_unanswered_items_are_named(auditor_client, assignment):
    response = auditor_client.post(URL, visit_body(assignment, answers=GOOD_ANSWERS[:4]), format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == "answers" and "solved" in error["detail"] and "remarks" in error["detail"]
    assert "storefront" not in error["detail"]  # photo items take no answer


def test_na_only_where_allowed_and_without_value(auditor_client, assignment):
    answers = [dict(a) for a in GOOD_ANSWERS]
    answers[0] = {"item": "greeted", "na": True}  # not allow_na
    answers[2] = {"item": "offer", "na": True, "value": "great"}
    response = auditor_client.post(URL, visit_body(assignment, answers=answers), format="json")
    assert attrs(response) == {"answers.0.na", "answers.2.value"}


def test_scale_takes_integers_and_integral_floats_only(auditor_client, assignment):
    answers = [dict(a) for a in GOOD_ANSWERS]
    answers[1]["value"] = 3.5
    assert attrs(auditor_client.post(URL, visit_body(assignment, answers=answers), format="json")) == {
        "answers.1.value"
    }
    answers[1]["value"] = 3.0
    assert auditor_client.post(URL, visit_body(assignment, answers=answers), format="json").status_code == 201


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"id": None}, "id"),
        ({"kind": "drive_by"}, "kind"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2026-11-20T10:02:00"}, "started_at"),  # no offset
        ({"ended_at": 5}, "ended_at"),
        ({"answers": {"greeted": True}}, "answers"),
        ({"answers": ["yes"]}, "answers.0"),
        ({"position": "here"}, "position"),
        ({"position": {"latitude": 52.0}}, "position.longitude"),
        ({"position": {"latitude": True, "longitude": 4}}, "position.latitude"),
        ({"notes": ["a"]}, "notes"),
        ({"location": "seven"}, "location"),
        ({"assignment": 10**30}, "assignment"),
        ({"started_at": "0001-01-01T00:00:00+10:00"}, "started_at"),
        ({"ended_at": "9999-12-31T23:59:59-10:00"}, "ended_at"),
    ],
)
def test_malformed_fields_answer_400_naming_the_field(auditor_client, assignment, overrides, attr):
    response = auditor_client.post(URL, visit_body(assignment, **overrides), format="json")
    assert response.status_code == 400, response.json()
    assert attr in attrs(response)


@pytest.mark.parametrize("raw", ["[]", '"visit"', "null", "{not json", '{"id": NaN}'])
def test_bodies_that_are_not_objects_answer_400(auditor_client, raw):
    response = auditor_client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400


def test_a_started_at_within_five_minutes_from_now_is_accepted(auditor_client, assignment):
    now = timezone.now()
    body = visit_body(
        assignment,
        started_at=(now + dt.timedelta(minutes=4)).isoformat(),
        ended_at=(now + dt.timedelta(minutes=20)).isoformat(),
    )
    assert auditor_client.post(URL, body, format="json").status_code == 201


def test_references_must_match_the_assignment(client_for, org, assignment, auditor, other_location):
    other_checklist = ChecklistFactory(organization=org, sections=FULL_SECTIONS)
    body = visit_body(
        assignment, location=other_location.pk, checklist=other_checklist.pk, checklist_version=2
    )
    response = client_for(auditor).post(URL, body, format="json")
    assert attrs(response) == {"location", "checklist", "checklist_version"}


def test_references_default_to_the_assignments(auditor_client, assignment):
    body = visit_body(assignment)
    for key in ("location", "checklist", "checklist_version"):
        del body[key]
    visit = auditor_client.post(URL, body, format="json").json()
    assert visit["location"] == assignment.location_id and visit["checklist"] == assignment.checklist_id


def test_a_mystery_visit_needs_the_auditors_own_assignment(client_for, org, assignment):
    someone_else = UserFactory(organization=org, role=Role.AUDITOR)
    response = client_for(someone_else).post(URL, visit_body(assignment), format="json")
    assert attrs(response) == {"assignment"}
    body = visit_body(assignment)
    del body["assignment"]
    assert attrs(client_for(assignment.auditor).post(URL, body, format="json")) == {"assignment"}


def test_another_organizations_assignment_is_unknown(client_for, foreign_assignment, auditor):
    response = client_for(auditor).post(URL, visit_body(foreign_assignment), format="json")
    assert response.status_code == 400
    assert "assignment" in attrs(response)


# --- self-assessments and roles ---------------------------------------------------------------


def test_staff_self_assess_their_own_location_without_assignment(client_for, staff, location, checklist):
    body = self_assessment_body(location, checklist)
    response = client_for(staff).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    visit = response.json()
    assert visit["kind"] == "self_assessment" and visit["assignment"] is None
    assert visit["checklist_version"] == 1  # defaults to the current version
    assert visit["outside_window"] is False


def test_staff_cannot_self_assess_another_location(client_for, staff, other_location, checklist):
    response = client_for(staff).post(URL, self_assessment_body(other_location, checklist), format="json")
    assert attrs(response) == {"location"}


def test_self_assessments_take_no_assignment_and_need_a_checklist(
    client_for, staff, location, checklist, assignment
):
    body = self_assessment_body(location, checklist, assignment=assignment.pk)
    del body["checklist"]
    assert attrs(client_for(staff).post(URL, body, format="json")) == {"assignment", "checklist"}


def test_kind_must_fit_the_role(client_for, staff, auditor, location, checklist, assignment):
    assert attrs(client_for(staff).post(URL, visit_body(assignment), format="json")) == {"kind"}
    body = self_assessment_body(location, checklist)
    assert attrs(client_for(auditor).post(URL, body, format="json")) == {"kind"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_admins_and_managers_do_not_submit_visits(client_for, org, region, assignment, role):
    user = UserFactory(organization=org, role=role, regions=[region])
    assert client_for(user).post(URL, visit_body(assignment), format="json").status_code == 403


def test_api_keys_do_not_submit_visits(key_client_for, org, assignment):
    assert (
        key_client_for(org, ["read", "write"]).post(URL, visit_body(assignment), format="json").status_code
        == 403
    )


def test_anonymous_callers_are_refused(anon, assignment):
    assert anon.post(URL, visit_body(assignment), format="json").status_code == 401


def test_visit_submit_is_usable_from_code_with_a_user(assignment, auditor):
    visit, created = visit_submit(actor=auditor, data=visit_body(assignment))
    assert created and visit.score == 100.0 and visit.passed
    again, created = visit_submit(actor=auditor, data=visit.request_body)
    assert again.pk == visit.pk and not created


# --- cost -------------------------------------------------------------------------------------


def _many_items(count):
    return [
        {
            "key": "main",
            "title": "Main",
            "weight": 1,
            "items": [
                {"key": f"q{i}", "prompt": f"Q{i}", "type": "yes_no", "weight": 1} for i in range(count)
            ],
        }
    ]


def test_submit_query_count_does_not_grow_with_the_number_of_answers(client_for, org, location, auditor):
    counts = {}
    for count in (10, 40):
        checklist = ChecklistFactory(organization=org, sections=_many_items(count))
        job = AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
        # 90 %: a passing visit (a failing one also tells managers: see tests/notifications).
        body = visit_body(job, answers=[{"item": f"q{i}", "value": i % 10 != 0} for i in range(count)])
        with CaptureQueriesContext(connection) as captured:
            response = client_for(auditor).post(URL, body, format="json")
        assert response.status_code == 201
        counts[count] = len(captured.captured_queries)
    assert counts[10] == counts[40]
    assert counts[40] <= MAX_SUBMIT_QUERIES, counts


# auth, savepoint in/out, assignment lock (it says whether the id is taken), visit, answers (one
# insert), history, assignment update, event and the outbox's endpoint lookup: 10, none per answer;
# plus the report rollups (audits.rollups): the location's region read under a share lock, and the
# upserts of visits, sections and items, each for the location, region and organization rows: 10
# statements whatever the number of answers.
MAX_SUBMIT_QUERIES = 20


def test_uuid_ids_are_case_insensitive_for_idempotency(auditor_client, assignment):
    body = visit_body(assignment, id=str(uuid.uuid4()))
    auditor_client.post(URL, body, format="json")
    upper = dict(body, id=body["id"].upper())
    # Another spelling of the same id is the same visit: a resend, nothing stored twice.
    again = auditor_client.post(URL, upper, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"notes": "zero\u0000byte"}, "notes"),
        ({"notes": "lone \ud800 surrogate"}, "notes"),
        ({"answers": [{**GOOD_ANSWERS[5], "comment": "a\u0000"}]}, "answers.0.comment"),
        ({"position": {"latitude": 10**400, "longitude": 4}}, "position.latitude"),
        ({"position": {"latitude": 52, "longitude": 4, "lone \ud800 key": 1}}, "position"),
        ({"answers": [{**GOOD_ANSWERS[0], "item": "lone \ud800 item"}]}, "answers.0.item"),
        ({"answers": [{**GOOD_ANSWERS[0], "lone \ud800 key": 1}]}, "answers.0"),
        ({"lone \ud800 key": 1}, "non_field_errors"),
    ],
)
def test_strings_and_numbers_no_database_can_store_answer_400(auditor_client, assignment, overrides, attr):
    body = visit_body(assignment, **overrides)
    response = auditor_client.post(URL, json.dumps(body, ensure_ascii=True), content_type="application/json")
    assert response.status_code == 400
    assert attr in attrs(response)


def test_huge_numbers_in_answers_are_refused_not_crashed(auditor_client, assignment):
    answers = [dict(a) for a in GOOD_ANSWERS]
    answers[3]["value"] = 10**400
    answers[1]["value"] = 10**400
    raw = json.dumps(visit_body(assignment, answers=answers))
    response = auditor_client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert {"answers.1.value", "answers.3.value"} <= attrs(response)


@pytest.mark.parametrize("depth", [12, 500])
def test_a_deeply_nested_body_is_refused_not_crashed(auditor_client, assignment, depth):
    raw = json.dumps(visit_body(assignment))[:-1] + ', "notes": ' + "[" * depth + "]" * depth + "}"
    response = auditor_client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_deep"
