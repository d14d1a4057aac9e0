"""Integrity flags and risk: the pure rules (with hypothesis where they are numeric), then what a
reviewer sees through the API: flags on submit and revision, the review queue, the filter."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audits import integrity
from audits.events import visit_event_data
from audits.integrity import PhotoFacts, VisitFacts
from audits.models import Visit, VisitFlag
from audits.services import visit_review, visit_submit
from tests.audits.conftest import visit_body
from tests.factories import AssignmentFactory, ChecklistFactory

URL = "/api/v1/visits/"
T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def facts(**overrides):
    values = {"started_at": T0, "ended_at": T0 + dt.timedelta(minutes=20), "received_at": T0}
    values.update(overrides)
    return VisitFacts(**values)


def codes(flags):
    return [flag["code"] for flag in flags]


# --- pure rules -------------------------------------------------------------------------------


def test_a_clean_visit_has_no_flag():
    assert integrity.visit_flags(facts(item_scores=[1.0, 0.0, 0.5])) == []


def test_every_simple_fact_raises_its_flag_in_the_contracts_order():
    raised = integrity.visit_flags(
        facts(off_site=True, outside_window=True, mock_location=True, photos=PhotoFacts(reused=2))
    )
    assert codes(raised) == ["off_site", "outside_window", "reused_photo", "mock_location"]
    assert all(flag["detail"] for flag in raised)


@given(st.integers(min_value=0, max_value=30), st.sampled_from([0.0, 0.25, 1.0]))
def test_straight_lining_needs_ten_scored_answers_all_alike(count, score):
    flagged = "straight_lining" in codes(integrity.visit_flags(facts(item_scores=[score] * count)))
    assert flagged == (count >= 10)


@given(st.integers(min_value=10, max_value=30), st.integers(min_value=0, max_value=29))
def test_one_different_score_is_no_straight_lining(count, odd):
    scores = [1.0] * count
    scores[odd % count] = 0.5
    assert "straight_lining" not in codes(integrity.visit_flags(facts(item_scores=scores)))


@given(st.integers(min_value=1, max_value=600), st.integers(min_value=1, max_value=36_000))
def test_too_short_below_the_checklists_minimum(minimum, seconds):
    raised = integrity.visit_flags(
        facts(ended_at=T0 + dt.timedelta(seconds=seconds), min_duration_minutes=minimum)
    )
    assert ("too_short" in codes(raised)) == (seconds < minimum * 60)


def test_no_minimum_no_too_short():
    assert integrity.visit_flags(facts(ended_at=T0 + dt.timedelta(seconds=1))) == []


@given(st.integers(min_value=-3600, max_value=200_000))
def test_late_submission_is_over_24_hours_after_the_end(delay):
    end = T0 + dt.timedelta(minutes=20)
    raised = integrity.visit_flags(facts(received_at=end + dt.timedelta(seconds=delay)))
    assert ("late_submission" in codes(raised)) == (delay > 24 * 3600)


@given(st.integers(min_value=-600, max_value=600), st.integers(min_value=-600, max_value=600))
def test_photo_time_mismatch_beyond_30_minutes_outside_the_visit(before, after):
    start, end = T0, T0 + dt.timedelta(minutes=20)
    photos = PhotoFacts(
        earliest=start - dt.timedelta(minutes=before), latest=end + dt.timedelta(minutes=after)
    )
    raised = "photo_time_mismatch" in codes(integrity.visit_flags(facts(photos=photos)))
    assert raised == (before > 30 or after > 30)


def test_photos_without_capture_time_raise_no_mismatch():
    assert integrity.visit_flags(facts(photos=PhotoFacts(reused=0))) == []


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=9),
            st.datetimes(
                min_value=dt.datetime(2000, 1, 1),
                max_value=dt.datetime(2100, 1, 1),
                timezones=st.just(dt.UTC),
            ),
            st.uuids(),
        ),
        min_size=2,
        max_size=20,
    )
)
def test_the_queue_key_orders_by_risk_then_start_then_id(rows):
    by_key = sorted(rows, key=lambda row: integrity.queue_key(row[0], row[1], row[2]))
    assert [(r, s, str(i)) for r, s, i in by_key] == sorted((r, s, str(i)) for r, s, i in rows)


def test_long_texts_only_are_digested():
    assert integrity.text_digests(["short", " " + "x" * 39 + " "]) == set()
    assert len(integrity.text_digests(["y" * 40, "  " + "y" * 40])) == 1


# --- through the API --------------------------------------------------------------------------


@pytest.fixture
def job(org, location, checklist, auditor):
    return AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)


def test_a_mock_location_is_flagged_and_counted_in_risk(client_for, auditor, job):
    body = visit_body(job, position={"latitude": 52.3676, "longitude": 4.9041, "mock": True})
    response = client_for(auditor).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert codes(data["flags"]) == ["mock_location"] and data["risk"] == 1
    # The same body again is the same visit; mock: false is the default.
    assert client_for(auditor).post(URL, body, format="json").status_code == 200


def test_mock_must_be_a_boolean(client_for, auditor, job):
    body = visit_body(job, position={"latitude": 52.3676, "longitude": 4.9041, "mock": "yes"})
    response = client_for(auditor).post(URL, body, format="json")
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["position.mock"]


def test_a_clean_visit_carries_empty_flags(client_for, auditor, job):
    data = client_for(auditor).post(URL, visit_body(job), format="json").json()
    assert data["flags"] == [] and data["risk"] == 0


def test_a_late_visit_is_flagged(client_for, auditor, job):
    started = T0 - dt.timedelta(days=3)
    body = visit_body(
        job, started_at=started.isoformat(), ended_at=(started + dt.timedelta(minutes=20)).isoformat()
    )
    data = client_for(auditor).post(URL, body, format="json").json()
    assert "late_submission" in codes(data["flags"])


def test_too_short_follows_the_checklists_minimum_set_by_patch(client_for, admin, auditor, job, checklist):
    response = client_for(admin).patch(
        f"/api/v1/checklists/{checklist.pk}/", {"min_duration_minutes": 30}, format="json"
    )
    assert response.status_code == 200 and response.json()["min_duration_minutes"] == 30
    data = client_for(auditor).post(URL, visit_body(job), format="json").json()  # 17 minutes
    assert codes(data["flags"]) == ["too_short"]


def test_min_duration_is_taken_on_create_and_checked(client_for, admin):
    from tests.audits.conftest import FULL_SECTIONS  # noqa: PLC0415 - the shared definition

    body = {"name": "Timed", "channel": "in_person", "pass_threshold": 80, "sections": FULL_SECTIONS}
    bad = client_for(admin).post("/api/v1/checklists/", {**body, "min_duration_minutes": 0}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "min_duration_minutes"
    made = client_for(admin).post("/api/v1/checklists/", {**body, "min_duration_minutes": 12}, format="json")
    assert made.status_code == 201 and made.json()["min_duration_minutes"] == 12


def test_duplicate_text_flags_both_visits_of_the_same_auditor(client_for, org, location, checklist, auditor):
    note = "The staff member was on the phone for the whole visit and ignored me."
    first, second = (
        AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
        for _ in range(2)
    )
    client = client_for(auditor)
    one = client.post(URL, visit_body(first, notes=note), format="json").json()
    assert one["flags"] == []
    two = client.post(URL, visit_body(second, notes="  " + note), format="json").json()
    assert codes(two["flags"]) == ["duplicate_text"]
    again = client.get(f"{URL}{one['id']}/").json()
    assert codes(again["flags"]) == ["duplicate_text"] and again["risk"] == 1


def test_another_auditors_equal_text_is_no_duplicate(client_for, org, location, checklist, auditor):
    from tests.factories import UserFactory  # noqa: PLC0415 - one test needs a second auditor

    note = "The staff member was on the phone for the whole visit and ignored me."
    other = UserFactory(organization=org, role="auditor")
    mine = AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
    theirs = AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=other)
    client_for(other).post(URL, visit_body(theirs, notes=note), format="json")
    data = client_for(auditor).post(URL, visit_body(mine, notes=note), format="json").json()
    assert data["flags"] == []


def test_straight_lining_through_the_api(client_for, org, location, auditor):
    sections = [
        {
            "key": "s",
            "title": "S",
            "weight": 1,
            "items": [
                {"key": f"q{n}", "prompt": "?", "type": "yes_no", "weight": 1, "allow_na": True}
                for n in range(11)
            ],
        }
    ]
    checklist = ChecklistFactory(organization=org, sections=sections)
    job = AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
    answers = [{"item": f"q{n}", "value": True} for n in range(10)] + [{"item": "q10", "na": True}]
    data = client_for(auditor).post(URL, visit_body(job, answers=answers), format="json").json()
    # N/A is a missing answer, not a score: ten alike scored answers are enough.
    assert codes(data["flags"]) == ["straight_lining"]


def test_a_revision_recomputes_the_flags(client_for, admin, auditor, job):
    body = visit_body(job, position={"latitude": 52.3676, "longitude": 4.9041, "mock": True})
    visit, _ = visit_submit(actor=auditor, data=body)
    visit_review(actor=admin, visit_id=visit.pk, decision="return", comment="Again please.")
    body["position"] = {"latitude": 52.3676, "longitude": 4.9041}
    response = client_for(auditor).put(f"{URL}{visit.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["flags"] == [] and response.json()["risk"] == 0
    assert not VisitFlag.objects.filter(visit=visit).exists()


def test_webhook_data_carries_the_flags(auditor, job):
    body = visit_body(job, position={"latitude": 52.3676, "longitude": 4.9041, "mock": True})
    visit, _ = visit_submit(actor=auditor, data=body)
    data = visit_event_data(Visit.objects.get(pk=visit.pk))
    assert codes(data["flags"]) == ["mock_location"] and data["risk"] == 1


def test_the_csv_export_lists_the_flag_codes(client_for, admin, auditor, job):
    body = visit_body(job, position={"latitude": 52.3676, "longitude": 4.9041, "mock": True})
    visit_submit(actor=auditor, data=body)
    response = client_for(admin).get("/api/v1/exports/visits.csv")
    text = b"".join(response.streaming_content).decode()
    header, row = text.splitlines()[:2]
    columns = header.split(",")
    assert row.split(",")[columns.index("flags")] == "mock_location"


# --- the review queue -------------------------------------------------------------------------


@pytest.fixture
def queue(org, location, checklist, auditor):
    """Visits with 0, 1 and 2 flags (mock location, then also outside the window)."""
    made = {}
    for name, mock, outside in (("clean", False, False), ("one", True, False), ("two", True, True)):
        job = AssignmentFactory(organization=org, location=location, checklist=checklist, auditor=auditor)
        started = job.due_until + dt.timedelta(hours=1) if outside else job.due_from + dt.timedelta(hours=1)
        started = min(started, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        if outside:
            job.due_from = started + dt.timedelta(hours=2)
            job.due_until = started + dt.timedelta(days=2)
            job.save()
        body = visit_body(
            job,
            started_at=started.isoformat(),
            ended_at=(started + dt.timedelta(minutes=20)).isoformat(),
            position={"latitude": 52.3676, "longitude": 4.9041, "mock": mock},
        )
        made[name] = str(visit_submit(actor=auditor, data=body)[0].pk)
    return made


def test_ordering_by_risk_is_the_review_queue(client_for, admin, queue):
    results = client_for(admin).get(URL, {"ordering": "-risk"}).json()["results"]
    assert [v["id"] for v in results] == [queue["two"], queue["one"], queue["clean"]]
    assert [v["risk"] for v in results] == [2, 1, 0]


def test_the_queue_pages_with_a_cursor_without_repeats(client_for, admin, queue):
    client = client_for(admin)
    first = client.get(URL, {"ordering": "-risk", "page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert [v["id"] for v in first["results"] + second["results"]] == [
        queue["two"],
        queue["one"],
        queue["clean"],
    ]


def test_filter_by_flag(client_for, admin, queue):
    response = client_for(admin).get(URL, {"flag": "outside_window"})
    assert [v["id"] for v in response.json()["results"]] == [queue["two"]]
    mock = {v["id"] for v in client_for(admin).get(URL, {"flag": "mock_location"}).json()["results"]}
    assert mock == {queue["one"], queue["two"]}


@pytest.mark.parametrize("params", [{"flag": "nonsense"}, {"ordering": "risk"}, {"ordering": "-score"}])
def test_unknown_flag_or_ordering_is_a_400(client_for, admin, params):
    response = client_for(admin).get(URL, params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == next(iter(params))


def test_the_queue_costs_the_same_queries_per_page(client_for, admin, queue, django_assert_max_num_queries):
    client = client_for(admin)
    with django_assert_max_num_queries(4):
        small = client.get(URL, {"ordering": "-risk", "flag": "mock_location", "page_size": 1})
    with django_assert_max_num_queries(4):
        large = client.get(URL, {"ordering": "-risk", "page_size": 50})
    assert len(small.json()["results"]) == 1 and len(large.json()["results"]) == 3
