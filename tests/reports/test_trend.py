"""Location and region trends: buckets in each location's own time zone, no holes, strict input."""

import datetime as dt

import pytest

from tests.factories import ChecklistFactory

from .factories import local, make_visit

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def series(client, url: str, **params) -> list[dict]:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return response.json()["series"]


def buckets(points: list[dict]) -> dict[str, int]:
    return {point["period_start"]: point["visits"] for point in points}


def location_trend(location) -> str:
    return f"/api/v1/locations/{location.pk}/trend/"


def test_amsterdam_visits_straddling_midnight_fall_in_their_local_month(
    client_for, admin, amsterdam, checklist
):
    # 21:30 UTC on 31 March is 23:30 in Amsterdam (March); 22:30 UTC is already 00:30 on 1 April.
    make_visit(location=amsterdam, checklist=checklist, started_at=utc("2026-03-31 21:30"), score=70)
    make_visit(location=amsterdam, checklist=checklist, started_at=utc("2026-03-31 22:30"), score=90)

    points = series(
        client_for(admin),
        location_trend(amsterdam),
        period="month",
        **{"from": "2026-03-01", "to": "2026-04-30"},
    )

    assert points == [
        {"period_start": "2026-03-01", "visits": 1, "average_score": 70.0, "pass_rate": 0.0, "sections": {}},
        {
            "period_start": "2026-04-01",
            "visits": 1,
            "average_score": 90.0,
            "pass_rate": 100.0,
            "sections": {},
        },
    ]


def test_amsterdam_weeks_across_the_spring_dst_change_start_on_monday(
    client_for, admin, amsterdam, checklist
):
    # Clocks go forward on Sunday 29 March 2026. 03:30 CEST that Sunday is 01:30 UTC (week of 23 March);
    # 00:15 CEST on Monday 30 March is still Sunday 22:15 UTC, but locally it opens the next week.
    make_visit(
        location=amsterdam, checklist=checklist, started_at=local("2026-03-29 03:30", "Europe/Amsterdam")
    )
    make_visit(location=amsterdam, checklist=checklist, started_at=utc("2026-03-29 22:15"))
    make_visit(
        location=amsterdam, checklist=checklist, started_at=local("2026-04-05 23:59", "Europe/Amsterdam")
    )

    points = series(
        client_for(admin),
        location_trend(amsterdam),
        period="week",
        **{"from": "2026-03-23", "to": "2026-04-12"},
    )

    assert buckets(points) == {"2026-03-23": 1, "2026-03-30": 2, "2026-04-06": 0}


def test_amsterdam_quarter_boundary_follows_local_date(client_for, admin, amsterdam, checklist):
    # 22:30 UTC on 30 June is 00:30 CEST on 1 July: third quarter.
    make_visit(location=amsterdam, checklist=checklist, started_at=utc("2026-06-30 21:59"), score=60)
    make_visit(location=amsterdam, checklist=checklist, started_at=utc("2026-06-30 22:30"), score=100)

    points = series(
        client_for(admin),
        location_trend(amsterdam),
        period="quarter",
        **{"from": "2026-04-01", "to": "2026-09-30"},
    )

    assert [(p["period_start"], p["visits"], p["average_score"]) for p in points] == [
        ("2026-04-01", 1, 60.0),
        ("2026-07-01", 1, 100.0),
    ]


def test_new_york_evening_visits_stay_in_the_local_month_quarter_and_week(
    client_for, admin, new_york, checklist
):
    # 22:00 EDT on 30 September is 02:00 UTC on 1 October: still Q3 and September in New York.
    make_visit(location=new_york, checklist=checklist, started_at=utc("2026-10-01 02:00"))
    # Clocks go back on Sunday 1 November 2026; 23:00 EST that Sunday is Monday 04:00 UTC.
    make_visit(location=new_york, checklist=checklist, started_at=utc("2026-11-02 04:00"))
    # 01:30 happens twice that night; the second one (EST, fold=1) is 06:30 UTC, still Sunday locally.
    make_visit(
        location=new_york,
        checklist=checklist,
        started_at=local("2026-11-01 01:30", "America/New_York").replace(fold=1),
    )

    admin_client = client_for(admin)
    window = {"from": "2026-07-01", "to": "2026-12-31"}
    assert buckets(series(admin_client, location_trend(new_york), period="quarter", **window)) == {
        "2026-07-01": 1,
        "2026-10-01": 2,
    }
    assert buckets(series(admin_client, location_trend(new_york), period="month", **window)) == {
        "2026-07-01": 0,
        "2026-08-01": 0,
        "2026-09-01": 1,
        "2026-10-01": 0,
        "2026-11-01": 2,
        "2026-12-01": 0,
    }
    weeks = buckets(
        series(
            admin_client,
            location_trend(new_york),
            period="week",
            **{"from": "2026-10-26", "to": "2026-11-08"},
        )
    )
    assert weeks == {"2026-10-26": 2, "2026-11-02": 0}


def test_tokyo_morning_visits_belong_to_the_next_local_day(client_for, admin, tokyo, checklist):
    # 00:30 JST on 1 July is 15:30 UTC on 30 June: Q3 and July in Tokyo.
    make_visit(location=tokyo, checklist=checklist, started_at=utc("2026-06-30 15:30"))
    # 01:00 JST on Monday 29 June is Sunday 16:00 UTC: a new week in Tokyo.
    make_visit(location=tokyo, checklist=checklist, started_at=utc("2026-06-28 16:00"))
    make_visit(location=tokyo, checklist=checklist, started_at=utc("2026-06-28 14:59"))  # 23:59 JST Sunday

    admin_client = client_for(admin)
    assert buckets(
        series(
            admin_client,
            location_trend(tokyo),
            period="quarter",
            **{"from": "2026-04-01", "to": "2026-09-30"},
        )
    ) == {
        "2026-04-01": 2,
        "2026-07-01": 1,
    }
    assert buckets(
        series(
            admin_client, location_trend(tokyo), period="week", **{"from": "2026-06-22", "to": "2026-07-05"}
        )
    ) == {
        "2026-06-22": 1,
        "2026-06-29": 2,
    }


def test_from_and_to_compare_with_the_local_date(client_for, admin, tokyo, checklist):
    make_visit(location=tokyo, checklist=checklist, started_at=utc("2026-06-30 15:30"))  # 1 July in Tokyo

    points = series(
        client_for(admin), location_trend(tokyo), period="month", **{"from": "2026-07-01", "to": "2026-07-01"}
    )

    assert points[0]["visits"] == 1


def test_region_trend_buckets_each_visit_by_its_own_zone(
    client_for, admin, region, amsterdam, new_york, tokyo, checklist
):
    # One instant, three local dates: 1 July in Amsterdam and Tokyo, 30 June in New York.
    instant = utc("2026-06-30 23:30")
    for place, score in ((amsterdam, 80), (new_york, 60), (tokyo, 90)):
        make_visit(location=place, checklist=checklist, started_at=instant, score=score)

    points = series(
        client_for(admin),
        f"/api/v1/regions/{region.pk}/trend/",
        period="month",
        **{"from": "2026-06-01", "to": "2026-07-31"},
    )

    assert points == [
        {"period_start": "2026-06-01", "visits": 1, "average_score": 60.0, "pass_rate": 0.0, "sections": {}},
        {
            "period_start": "2026-07-01",
            "visits": 2,
            "average_score": 85.0,
            "pass_rate": 100.0,
            "sections": {},
        },
    ]


def test_empty_periods_are_listed_with_zero_visits_and_null_scores(client_for, admin, amsterdam, checklist):
    make_visit(
        location=amsterdam, checklist=checklist, started_at=local("2026-01-10 12:00", "Europe/Amsterdam")
    )
    make_visit(
        location=amsterdam, checklist=checklist, started_at=local("2026-03-10 12:00", "Europe/Amsterdam")
    )

    points = series(
        client_for(admin), location_trend(amsterdam), **{"from": "2026-01-01", "to": "2026-04-30"}
    )

    assert [p["visits"] for p in points] == [1, 0, 1, 0]
    assert points[1] == {
        "period_start": "2026-02-01",
        "visits": 0,
        "average_score": None,
        "pass_rate": None,
        "sections": {},
    }


def test_averages_and_rates_round_half_up_with_section_means(client_for, admin, amsterdam, checklist):
    day = local("2026-05-04 12:00", "Europe/Amsterdam")
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day,
        score=81.25,
        sections={"greeting": 100.0, "resolution": 62.5},
    )
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day,
        score=81.26,
        sections={"greeting": 50.0, "resolution": None},
    )
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day,
        score=79.0,
        passed=False,
        sections={"greeting": 75.0},
    )

    (point,) = series(
        client_for(admin), location_trend(amsterdam), **{"from": "2026-05-01", "to": "2026-05-31"}
    )

    # (81.25 + 81.26 + 79) / 3 = 80.50333..; 2 of 3 passed = 66.666..; greeting (100+50+75)/3 = 75.
    assert point == {
        "period_start": "2026-05-01",
        "visits": 3,
        "average_score": 80.5,
        "pass_rate": 66.67,
        "sections": {"greeting": 75.0, "resolution": 62.5},
    }


def test_half_way_averages_round_up(client_for, admin, amsterdam, checklist):
    day = local("2026-05-04 12:00", "Europe/Amsterdam")
    make_visit(location=amsterdam, checklist=checklist, started_at=day, score=81.25)
    make_visit(location=amsterdam, checklist=checklist, started_at=day, score=81.26)

    (point,) = series(
        client_for(admin), location_trend(amsterdam), **{"from": "2026-05-01", "to": "2026-05-31"}
    )

    assert point["average_score"] == 81.26  # 81.255 half up, whatever the float sum says


def test_only_submitted_and_approved_mystery_visits_count(client_for, admin, amsterdam, checklist):
    day = local("2026-05-04 12:00", "Europe/Amsterdam")
    make_visit(location=amsterdam, checklist=checklist, started_at=day, score=90, status="submitted")
    make_visit(location=amsterdam, checklist=checklist, started_at=day, score=70, status="approved")
    make_visit(location=amsterdam, checklist=checklist, started_at=day, score=10, status="returned")
    make_visit(location=amsterdam, checklist=checklist, started_at=day, score=10, status="rejected")
    make_visit(location=amsterdam, checklist=checklist, started_at=day, score=100, kind="self_assessment")

    admin_client = client_for(admin)
    window = {"from": "2026-05-01", "to": "2026-05-31"}
    (counted,) = series(admin_client, location_trend(amsterdam), **window)
    (approved,) = series(admin_client, location_trend(amsterdam), status="approved", **window)

    assert (counted["visits"], counted["average_score"]) == (2, 80.0)
    assert (approved["visits"], approved["average_score"]) == (1, 70.0)


def test_checklist_parameter_narrows_to_that_checklist(client_for, admin, org, amsterdam, checklist):
    phone = ChecklistFactory(organization=org, name="Phone call")
    day = local("2026-05-04 12:00", "Europe/Amsterdam")
    make_visit(location=amsterdam, checklist=checklist, started_at=day, score=90)
    make_visit(location=amsterdam, checklist=phone, started_at=day, score=50)

    (point,) = series(
        client_for(admin),
        location_trend(amsterdam),
        checklist=phone.pk,
        **{"from": "2026-05-01", "to": "2026-05-31"},
    )

    assert (point["visits"], point["average_score"]) == (1, 50.0)


def test_default_window_is_the_last_twelve_periods(client_for, admin, amsterdam):
    points = series(client_for(admin), location_trend(amsterdam))

    assert len(points) == 12
    assert points[-1]["period_start"].endswith("-01")
    assert all(p["visits"] == 0 for p in points)


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),
        ({"period": "fortnight"}, "period"),
        ({"checklist": "999999"}, "checklist"),
        ({"checklist": "abc"}, "checklist"),
        ({"checklist": "99999999999999999999999"}, "checklist"),
        ({"status": "rejected"}, "status"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(client_for, admin, amsterdam, params, attr):
    response = client_for(admin).get(location_trend(amsterdam), params)

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [error["attr"] for error in body["errors"]] == [attr]


def test_another_organizations_checklist_is_unknown(client_for, admin, other_org, amsterdam):
    foreign = ChecklistFactory(organization=other_org)

    response = client_for(admin).get(location_trend(amsterdam), {"checklist": foreign.pk})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "checklist"


def test_window_of_three_years_is_accepted(client_for, admin, amsterdam):
    response = client_for(admin).get(
        location_trend(amsterdam), {"from": "2023-01-01", "to": "2025-12-31", "period": "quarter"}
    )

    assert response.status_code == 200
    assert len(response.json()["series"]) == 12
