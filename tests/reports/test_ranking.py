"""Location ranking: best first, ties, rank positions and the previous window."""

from tests.factories import LocationFactory

from .factories import local, make_visit

URL = "/api/v1/reports/location-ranking/"
WINDOW = {"from": "2026-05-01", "to": "2026-05-31"}  # 31 days; the previous window is 31 March..30 April


def at(day: str, location):
    return local(f"{day} 12:00", location.timezone)


def ranking(client, **params) -> list[dict]:
    response = client.get(URL, {**WINDOW, **params})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_best_average_first_with_rank_positions_and_pass_rate(client_for, admin, region, checklist):
    low = LocationFactory(region=region, code="B", name="Bravo")
    high = LocationFactory(region=region, code="A", name="Alpha")
    for score in (60, 90):
        make_visit(location=low, checklist=checklist, started_at=at("2026-05-10", low), score=score)
    make_visit(location=high, checklist=checklist, started_at=at("2026-05-11", high), score=95)

    results = ranking(client_for(admin))

    assert results == [
        {
            "rank": 1,
            "location": {"id": high.pk, "code": "A", "name": "Alpha"},
            "visits": 1,
            "average_score": 95.0,
            "previous_average_score": None,
            "change": None,
            "pass_rate": 100.0,
        },
        {
            "rank": 2,
            "location": {"id": low.pk, "code": "B", "name": "Bravo"},
            "visits": 2,
            "average_score": 75.0,
            "previous_average_score": None,
            "change": None,
            "pass_rate": 50.0,
        },
    ]


def test_ties_go_to_more_visits_then_name(client_for, admin, region, checklist):
    zulu = LocationFactory(region=region, name="Zulu")
    yankee = LocationFactory(region=region, name="Yankee")
    alpha = LocationFactory(region=region, name="Alpha")
    for score in (80, 80):
        make_visit(location=zulu, checklist=checklist, started_at=at("2026-05-10", zulu), score=score)
    make_visit(location=yankee, checklist=checklist, started_at=at("2026-05-10", yankee), score=80)
    make_visit(location=alpha, checklist=checklist, started_at=at("2026-05-10", alpha), score=80)

    results = ranking(client_for(admin))

    assert [(r["rank"], r["location"]["name"]) for r in results] == [(1, "Zulu"), (2, "Alpha"), (3, "Yankee")]


def test_previous_window_has_the_same_length_just_before_from(client_for, admin, region, checklist):
    store = LocationFactory(region=region, name="Store")
    make_visit(location=store, checklist=checklist, started_at=at("2026-05-20", store), score=90)
    make_visit(
        location=store, checklist=checklist, started_at=at("2026-04-30", store), score=70
    )  # last previous day
    make_visit(
        location=store, checklist=checklist, started_at=at("2026-03-31", store), score=80
    )  # first previous day
    make_visit(
        location=store, checklist=checklist, started_at=at("2026-03-30", store), score=0
    )  # before both

    (row,) = ranking(client_for(admin))

    assert (row["visits"], row["average_score"], row["previous_average_score"], row["change"]) == (
        1,
        90.0,
        75.0,
        15.0,
    )


def test_change_can_be_negative_and_is_the_difference_of_the_shown_averages(
    client_for, admin, region, checklist
):
    store = LocationFactory(region=region, name="Store")
    make_visit(location=store, checklist=checklist, started_at=at("2026-05-20", store), score=70.11)
    make_visit(location=store, checklist=checklist, started_at=at("2026-04-20", store), score=80.2)

    (row,) = ranking(client_for(admin))

    assert row["change"] == -10.09


def test_locations_without_visits_in_the_window_are_left_out(client_for, admin, region, checklist):
    quiet = LocationFactory(region=region, name="Quiet")
    busy = LocationFactory(region=region, name="Busy")
    make_visit(
        location=quiet, checklist=checklist, started_at=at("2026-04-20", quiet), score=99
    )  # previous only
    make_visit(location=busy, checklist=checklist, started_at=at("2026-05-20", busy), score=50)

    assert [r["location"]["name"] for r in ranking(client_for(admin))] == ["Busy"]


def test_region_parameter_narrows_to_its_locations(
    client_for, admin, location, other_location, checklist, region
):
    make_visit(location=location, checklist=checklist, started_at=at("2026-05-20", location), score=50)
    make_visit(
        location=other_location, checklist=checklist, started_at=at("2026-05-20", other_location), score=90
    )

    results = ranking(client_for(admin), region=region.pk)

    assert [r["location"]["id"] for r in results] == [location.pk]


def test_unknown_region_is_a_400(client_for, admin, foreign_admin):
    response = client_for(admin).get(URL, {"region": 424242})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "region"
