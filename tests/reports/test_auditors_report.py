"""The auditors report: visits, average, peer deviation and rates per auditor; admins and managers only."""

import datetime as dt

import pytest

from accounts.models import Role
from audits.models import HistoryAction, Visit, VisitHistory
from tests.factories import UserFactory

from .factories import make_visit

URL = "/api/v1/reports/auditors/"
DAY = dt.datetime.now(dt.UTC).replace(hour=10, minute=0, second=0, microsecond=0) - dt.timedelta(days=5)


@pytest.fixture
def team(org, location, other_location, checklist, auditor):
    """At ``location``: otto 90, bea 60, cleo 100. At ``other_location``: otto 50 (alone) and a
    rejected visit of otto's (40). One of otto's visits was returned once, one is flagged."""
    bea = UserFactory(organization=org, role=Role.AUDITOR, username="bea", display_name="Bea")
    cleo = UserFactory(organization=org, role=Role.AUDITOR, username="cleo", display_name="Cleo")

    def visit(who, where, score, **kw):
        return make_visit(location=where, checklist=checklist, started_at=DAY, score=score, auditor=who, **kw)

    first = visit(auditor, location, 90)
    visit(bea, location, 60)
    visit(cleo, location, 100)
    alone = visit(auditor, other_location, 50)
    visit(auditor, other_location, 40, status="rejected")
    VisitHistory.objects.create(visit=first, action=HistoryAction.RETURNED)
    Visit.objects.filter(pk=alone.pk).update(risk=1, flags=[{"code": "off_site", "detail": "far"}])
    return {"otto": auditor, "bea": bea, "cleo": cleo}


def by_name(response):
    assert response.status_code == 200, response.json()
    return {row["auditor"]["username"]: row for row in response.json()["results"]}


def test_every_figure_per_auditor(client_for, admin, team):
    rows = by_name(client_for(admin).get(URL))
    assert rows["otto"] == {
        "auditor": {
            "id": team["otto"].pk,
            "username": "otto",
            "display_name": team["otto"].display_name or "otto",
        },
        "visits": 3,
        "average_score": 70.0,  # 90 and 50; the rejected visit is not counted
        "peer_deviation": 10.0,  # 90 - mean(60, 100); alone at the other location: left out
        "return_rate": 33.33,
        "reject_rate": 33.33,
        "flag_rate": 33.33,
        "rating": 5.0,  # no decision through a review (made by factories): the prior
    }
    assert rows["bea"]["peer_deviation"] == -35.0  # 60 - mean(90, 100)
    assert rows["cleo"]["peer_deviation"] == 25.0  # 100 - mean(90, 60)
    assert [r["auditor"]["username"] for r in client_for(admin).get(URL).json()["results"]] == [
        "cleo",
        "otto",
        "bea",
    ]


def test_an_auditor_with_no_peer_has_a_null_deviation(client_for, admin, team, other_location):
    rows = by_name(client_for(admin).get(URL, {"location": other_location.pk}))
    assert set(rows) == {"otto"} and rows["otto"]["peer_deviation"] is None


def test_managers_see_their_regions_only(client_for, manager, team):
    rows = by_name(client_for(manager).get(URL))
    assert rows["otto"]["visits"] == 1 and rows["otto"]["peer_deviation"] == 10.0


@pytest.mark.parametrize("who", ["auditor", "staff"])
def test_others_are_refused(client_for, request, team, who):
    assert client_for(request.getfixturevalue(who)).get(URL).status_code == 403


def test_an_empty_window_is_an_empty_list(client_for, admin, team):
    response = client_for(admin).get(URL, {"from": "2020-01-01", "to": "2020-01-31"})
    assert response.json() == {"results": []}


def test_the_cost_is_constant(client_for, admin, team, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the caller, the grouped query
        client_for(admin).get(URL)


def test_api_keys_are_refused_even_with_write(key_client_for, org, team):
    assert key_client_for(org, ["read", "write"]).get(URL).status_code == 403
