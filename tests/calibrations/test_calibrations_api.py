"""Calibrations through the API: create (idempotent), bad input, the result, the pooled report."""

import datetime as dt
import uuid

import pytest

from accounts.models import Role
from audits.models import Assignment
from audits.services import visit_submit
from tests.audits.conftest import FULL_SECTIONS, GOOD_ANSWERS, visit_body
from tests.factories import ChecklistFactory, LocationFactory, RegionFactory, UserFactory

URL = "/api/v1/calibrations/"
REPORT = "/api/v1/reports/agreement/"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def checklist(org):
    return ChecklistFactory(organization=org, sections=FULL_SECTIONS)


@pytest.fixture
def bea(org):
    return UserFactory(organization=org, role=Role.AUDITOR, username="bea")


def body(location, checklist, auditors, **overrides):
    data = {
        "id": str(uuid.uuid4()),
        "location": location.pk,
        "checklist": checklist.pk,
        "auditors": [a.pk for a in auditors],
        "due_from": (NOW - dt.timedelta(days=1)).isoformat(),
        "due_until": (NOW + dt.timedelta(days=6)).isoformat(),
    }
    data.update(overrides)
    return data


def answers(**values):
    """GOOD_ANSWERS with some values replaced (``None``: marked N/A)."""
    out = []
    for answer in GOOD_ANSWERS:
        answer = dict(answer)
        if answer["item"] in values:
            value = values[answer["item"]]
            answer.update({"value": None, "na": True} if value is None else {"value": value})
        out.append(answer)
    return out


def submit(assignment, **values):
    data = visit_body(assignment, answers=answers(**values))
    return visit_submit(actor=assignment.auditor, data=data)[0]


def test_create_sends_each_auditor_once_on_the_same_version(
    client_for, manager, location, checklist, auditor, bea
):
    data = body(location, checklist, [auditor, bea, auditor])
    response = client_for(manager).post(URL, data, format="json")
    assert response.status_code == 201, response.json()
    made = response.json()
    jobs = Assignment.objects.filter(pk__in=made["assignments"])
    assert sorted(j.auditor_id for j in jobs) == sorted([auditor.pk, bea.pk])
    assert {j.checklist_version_id for j in jobs} == {checklist.versions.get(number=1).pk}
    assert made["visits"] == 0 and made["alpha"] is None and made["items"] == []
    again = client_for(manager).post(URL, data, format="json")
    assert again.status_code == 200 and again.json()["assignments"] == made["assignments"]
    assert Assignment.objects.count() == 2
    other = client_for(manager).post(URL, {**data, "auditors": [bea.pk, auditor.pk]}, format="json")
    assert other.status_code == 409


def test_bad_input_is_400_naming_each_problem(
    client_for, admin, org, other_org, location, checklist, auditor
):
    foreigner = UserFactory(organization=other_org, role=Role.AUDITOR)
    foreign_checklist = ChecklistFactory(organization=other_org, sections=FULL_SECTIONS)
    response = client_for(admin).post(
        URL, body(location, foreign_checklist, [auditor, foreigner]), format="json"
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"auditors.1", "checklist"}
    alone = client_for(admin).post(URL, body(location, checklist, [auditor, auditor]), format="json")
    assert alone.status_code == 400 and alone.json()["errors"][0]["attr"] == "auditors"


def test_a_manager_cannot_calibrate_outside_their_regions(client_for, manager, org, checklist, auditor, bea):
    elsewhere = LocationFactory(region=RegionFactory(organization=org, code="FAR"))
    response = client_for(manager).post(URL, body(elsewhere, checklist, [auditor, bea]), format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "location"


@pytest.mark.parametrize("who", ["auditor", "staff"])
def test_only_admins_and_managers(client_for, request, who, location, checklist, auditor, bea):
    client = client_for(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, body(location, checklist, [auditor, bea]), format="json").status_code == 403


def test_another_organization_gets_404(client_for, admin, foreign_admin, location, checklist, auditor, bea):
    made = client_for(admin).post(URL, body(location, checklist, [auditor, bea]), format="json").json()
    assert client_for(foreign_admin).get(f"{URL}{made['id']}/").status_code == 404


def test_the_result_per_item_with_alpha(client_for, admin, location, checklist, auditor, bea, org):
    cleo = UserFactory(organization=org, role=Role.AUDITOR, username="cleo")
    made = client_for(admin).post(URL, body(location, checklist, [auditor, bea, cleo]), format="json").json()
    jobs = {j.auditor_id: j for j in Assignment.objects.filter(pk__in=made["assignments"])}
    submit(jobs[auditor.pk])
    one_in = client_for(admin).get(f"{URL}{made['id']}/").json()
    assert one_in["visits"] == 1 and one_in["alpha"] is None and one_in["items"] == []
    submit(jobs[bea.pk], warmth=3, solved=None)  # solved N/A: a missing value, not a zero
    submit(jobs[cleo.pk], greeted=False)
    result = client_for(admin).get(f"{URL}{made['id']}/").json()
    items = {row["item"]: row for row in result["items"]}
    assert list(items) == ["greeted", "warmth", "offer", "wait_minutes", "solved"]
    assert items["greeted"]["agree"] is False and items["offer"]["agree"] is True
    assert items["solved"]["agree"] is None  # not answered by all
    assert {r["auditor"]: r["item_score"] for r in items["solved"]["ratings"]} == {
        auditor.pk: 1.0,
        bea.pk: None,
        cleo.pk: 1.0,
    }
    assert {r["auditor"]: r["value"] for r in items["warmth"]["ratings"]}[bea.pk] == 3
    assert result["percent_agreement"] == 50.0  # offer and wait_minutes of greeted, warmth, offer, wait
    # Items as units, auditors as coders, interval item scores: the coders x units matrix
    # [[1, 1, 1, 1, 1], [1, 0.5, 1, 1, missing], [0, 1, 1, 1, 1]] has alpha -0.0656 (by the package).
    assert result["alpha"] == -0.066
    distances = {row["auditor"]: row["distance_from_consensus"] for row in result["per_auditor"]}
    # greeted |1 - median(1, 0)| = 0.5, warmth |0.5 - 1| = 0.5, offer and wait 0; solved N/A: left out.
    assert distances[bea.pk] == 0.25


def test_the_pooled_report(client_for, admin, location, checklist, auditor, bea):
    for _ in range(2):
        made = client_for(admin).post(URL, body(location, checklist, [auditor, bea]), format="json").json()
        for job in Assignment.objects.filter(pk__in=made["assignments"]):
            submit(job, greeted=job.auditor_id == auditor.pk)
    rows = {row["item"]: row for row in client_for(admin).get(REPORT).json()["results"]}
    assert rows["greeted"]["level"] == "nominal" and rows["warmth"]["level"] == "ordinal"
    assert rows["wait_minutes"]["level"] == "interval"
    assert rows["greeted"]["calibrations"] == 2 and rows["greeted"]["percent_agreement"] == 0.0
    assert rows["greeted"]["alpha"] is not None and rows["greeted"]["alpha"] < 0
    assert rows["warmth"]["percent_agreement"] == 100.0 and rows["warmth"]["alpha"] is None  # no variation


def test_the_report_is_for_admins_and_managers(client_for, auditor, staff):
    assert client_for(auditor).get(REPORT).status_code == 403
    assert client_for(staff).get(REPORT).status_code == 403


def test_served_shapes_match_the_schema(client_for, admin, location, checklist, auditor, bea):
    from tests.reports.test_response_schema import SCHEMA, assert_exact_keys, response_schema  # noqa: PLC0415 - shared checker

    made = client_for(admin).post(URL, body(location, checklist, [auditor, bea]), format="json").json()
    for job in Assignment.objects.filter(pk__in=made["assignments"]):
        submit(job)
    for documented, url in [(REPORT, REPORT), ("/api/v1/calibrations/{id}/", f"{URL}{made['id']}/")]:
        response = client_for(admin).get(url)
        schema = response_schema(documented)
        from openapi_schema_validator import OAS30Validator  # noqa: PLC0415 - as the reports' checker

        OAS30Validator({**schema, "components": SCHEMA["components"]}).validate(response.json())
        assert_exact_keys(response.json(), schema, where=url)
