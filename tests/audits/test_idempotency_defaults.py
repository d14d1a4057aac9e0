"""Idempotency compares what a body says, not how it spells it.

Generated clients (openapi-python-client and friends) write every optional field out with its
default (``"na": false``, ``"comment": ""``); phones often leave them out. A resend that differs only
there, or in the spelling of the id or the offset of a time, is the same visit: 200, never 409.
"""

import copy
import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audits.models import Visit
from audits.services import visit_submit
from audits.submission import canonical_hash, comparable_hash
from tests.audits.conftest import GOOD_ANSWERS, self_assessment_body, visit_body
from webhooks.models import Event

URL = "/api/v1/visits/"


def bare(body: dict) -> dict:
    """The body as a phone sends it: no optional field written out."""
    body = copy.deepcopy(body)
    body["answers"] = [{"item": a["item"], "value": a["value"]} for a in body["answers"]]
    if body.get("notes") == "":
        del body["notes"]
    return body


def spelled_out(body: dict) -> dict:
    """The same body as a generated client sends it: every default written out."""
    body = copy.deepcopy(body)
    for answer in body["answers"]:
        answer.setdefault("na", False)
        answer.setdefault("comment", "")
    body.setdefault("notes", "")
    body["position"] = {**body["position"], "accuracy_m": body["position"].get("accuracy_m")}
    return body


@pytest.fixture
def auditor_client(client_for, auditor):
    return client_for(auditor)


def test_a_resend_with_na_and_comment_written_out_is_the_same_visit(auditor_client, assignment):
    body = bare(visit_body(assignment, notes=""))
    first = auditor_client.post(URL, body, format="json")
    assert first.status_code == 201, first.json()
    again = auditor_client.post(URL, spelled_out(body), format="json")
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    assert Visit.objects.count() == 1
    assert Event.objects.filter(type="visit.submitted").count() == 1


def test_a_resend_with_defaults_left_out_is_the_same_visit(auditor_client, assignment):
    body = spelled_out(visit_body(assignment))
    assert auditor_client.post(URL, body, format="json").status_code == 201
    assert auditor_client.post(URL, bare(body), format="json").status_code == 200


def test_nulls_for_optional_fields_are_their_defaults(auditor_client, assignment):
    body = bare(visit_body(assignment, notes=""))
    assert auditor_client.post(URL, body, format="json").status_code == 201
    nulls = copy.deepcopy(body)
    nulls.update(notes=None, position=dict(body["position"], accuracy_m=None))
    for answer in nulls["answers"]:
        answer.update(na=None, comment=None)
    # accuracy_m was 12 in the first body: null is another value, not its default.
    assert auditor_client.post(URL, nulls, format="json").status_code == 409
    nulls["position"]["accuracy_m"] = 12
    assert auditor_client.post(URL, nulls, format="json").status_code == 200


def test_the_envelope_ids_the_server_fills_in_may_be_left_out_or_written_out(auditor_client, assignment):
    body = visit_body(assignment)
    assert auditor_client.post(URL, body, format="json").status_code == 201
    lean = {k: v for k, v in body.items() if k not in ("location", "checklist", "checklist_version")}
    assert auditor_client.post(URL, lean, format="json").status_code == 200
    wrong = dict(body, location=body["location"] + 1000)
    assert auditor_client.post(URL, wrong, format="json").status_code == 409


def test_the_same_instant_in_another_offset_and_answers_in_another_order_are_the_same_body(
    auditor_client, assignment
):
    body = visit_body(assignment)
    assert auditor_client.post(URL, body, format="json").status_code == 201
    moved = copy.deepcopy(body)
    tokyo = dt.timezone(dt.timedelta(hours=9))
    for name in ("started_at", "ended_at"):
        moved[name] = dt.datetime.fromisoformat(body[name]).astimezone(tokyo).isoformat()
    moved["answers"].reverse()
    assert auditor_client.post(URL, moved, format="json").status_code == 200


def test_a_real_change_is_still_a_conflict_however_defaults_are_spelled(auditor_client, assignment):
    body = bare(visit_body(assignment))
    assert auditor_client.post(URL, body, format="json").status_code == 201
    changed = spelled_out(body)
    changed["answers"][5]["comment"] = "Actually rude."
    response = auditor_client.post(URL, changed, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_conflict"
    changed = spelled_out(body)
    changed["answers"][0]["na"] = True
    assert auditor_client.post(URL, changed, format="json").status_code == 409


def test_a_self_assessment_resent_with_defaults_written_out_is_the_same_visit(
    client_for, staff, location, checklist
):
    body = bare(self_assessment_body(location, checklist))
    first = client_for(staff).post(URL, body, format="json")
    assert first.status_code == 201, first.json()
    again = client_for(staff).post(URL, dict(spelled_out(body), checklist_version=1), format="json")
    assert again.status_code == 200, again.json()


def test_a_visit_stored_before_defaults_were_filled_in_still_matches_its_resends(auditor_client, assignment):
    """Rows hashed the old way (raw canonical JSON) are compared afresh from their stored body."""

    body = bare(visit_body(assignment))
    assert auditor_client.post(URL, body, format="json").status_code == 201
    Visit.objects.update(request_hash=canonical_hash(body))
    assert auditor_client.post(URL, spelled_out(body), format="json").status_code == 200


def test_a_resent_correction_with_defaults_written_out_is_a_no_op(client_for, auditor, manager, assignment):

    visit = visit_submit(actor=auditor, data=visit_body(assignment))[0]
    client_for(manager).post(
        f"/api/v1/visits/{visit.pk}/review/", {"decision": "return", "comment": "Check."}, format="json"
    )
    correction = bare(visit_body(assignment, id=str(visit.pk)))
    correction["answers"][3]["value"] = 12
    for name in ("assignment", "location", "checklist", "checklist_version", "kind"):
        correction.pop(name)
    url = f"/api/v1/visits/{visit.pk}/"
    assert client_for(auditor).put(url, correction, format="json").status_code == 200
    resend = dict(spelled_out(correction), kind="mystery", assignment=assignment.pk)
    response = client_for(auditor).put(url, resend, format="json")
    assert response.status_code == 200, response.json()
    assert visit.history.filter(action="revised").count() == 1


# --- property: the fingerprint ignores spelling, never meaning -----------------------------------

_answer = st.fixed_dictionaries(
    {
        "item": st.sampled_from([a["item"] for a in GOOD_ANSWERS]),
        "value": st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5)),
        "na": st.booleans(),
        "comment": st.text(max_size=5),
    }
)
_bodies = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str),
        "kind": st.sampled_from(["mystery", "self_assessment"]),
        "assignment": st.one_of(st.none(), st.integers(1, 10**6)),
        "started_at": st.datetimes(
            min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
        ).map(lambda d: d.isoformat()),
        "notes": st.text(max_size=8),
        "position": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)},
                optional={"accuracy_m": st.one_of(st.none(), st.floats(0, 100))},
            ),
        ),
        "answers": st.lists(_answer, max_size=6, unique_by=lambda a: a["item"]),
    }
)
_offsets = st.integers(-14 * 4, 14 * 4).map(lambda q: dt.timezone(dt.timedelta(minutes=15 * q)))


def _respell(body: dict, data) -> dict:
    """Another spelling of ``body``: defaults dropped or written out, nulls, capitals, offsets, order."""
    out = copy.deepcopy(body)
    if data.draw(st.booleans()):
        out["id"] = out["id"].upper()
    offset = data.draw(_offsets)
    out["started_at"] = dt.datetime.fromisoformat(out["started_at"]).astimezone(offset).isoformat()
    for name in ("assignment", "position"):
        if out[name] is None and data.draw(st.booleans()):
            del out[name]
    if out["notes"] == "":
        out["notes"] = data.draw(st.sampled_from(["", None, "<drop>"]))
    for answer in out["answers"]:
        if answer["na"] is False:
            answer["na"] = data.draw(st.sampled_from([False, None, "<drop>"]))
        if answer["comment"] == "":
            answer["comment"] = data.draw(st.sampled_from(["", None, "<drop>"]))
        if answer["value"] is None and data.draw(st.booleans()):
            answer["value"] = "<drop>"
    out["answers"] = data.draw(st.permutations(out["answers"])) if out["answers"] else []
    out["answers"] = [{k: v for k, v in a.items() if v != "<drop>"} for a in out["answers"]]
    return {k: v for k, v in out.items() if v != "<drop>"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_bodies, data=st.data())
def test_any_respelling_of_a_body_has_the_same_fingerprint(body, data):

    assert comparable_hash(_respell(body, data)) == comparable_hash(body)


@settings(max_examples=300, deadline=None)
@given(body=_bodies, data=st.data())
def test_any_change_of_meaning_changes_the_fingerprint(body, data):

    changed = copy.deepcopy(body)
    change = data.draw(st.sampled_from(["notes", "id", "started_at", "answer", "na", "kind"]))
    if change == "notes":
        changed["notes"] = body["notes"] + "!"
    elif change == "id":
        changed["id"] = str(uuid.UUID(int=uuid.UUID(body["id"]).int ^ 1))
    elif change == "started_at":
        changed["started_at"] = (
            dt.datetime.fromisoformat(body["started_at"]) + dt.timedelta(seconds=1)
        ).isoformat()
    elif change == "kind":
        changed["kind"] = "self_assessment" if body["kind"] == "mystery" else "mystery"
    elif not body["answers"]:
        changed["answers"] = [{"item": "greeted", "value": True}]
    elif change == "answer":
        changed["answers"][0]["value"] = [body["answers"][0]["value"]]
    else:
        changed["answers"][0]["na"] = not body["answers"][0]["na"]
    assert comparable_hash(changed) != comparable_hash(body)
