"""One fixed dataset, literal expected answers: the same on SQLite and PostgreSQL.

Scores include thirds and half-way values, whose float sums differ in their last bits between
databases; the rounding must still agree to the cent. Query counts stay constant as data grows.
"""

import datetime as dt

import pytest

from tests.factories import LocationFactory

from .factories import make_visit

WINDOW = {"from": "2026-02-01", "to": "2026-03-31"}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def dataset(region, checklist):
    stores = [
        LocationFactory(region=region, code="AMS", name="Amsterdam", timezone="Europe/Amsterdam"),
        LocationFactory(region=region, code="NYC", name="New York", timezone="America/New_York"),
        LocationFactory(region=region, code="TYO", name="Tokyo", timezone="Asia/Tokyo"),
    ]
    # (store, UTC start, score, greeting, smile, kind)
    visits = [
        (0, "2026-02-28 23:30", 81.25, 1.0, 1 / 3, "mystery"),  # 1 March in Amsterdam
        (0, "2026-02-10 09:00", 81.26, 0.0, 2 / 3, "mystery"),
        (0, "2026-01-20 09:00", 70.0, 1.0, 0.5, "mystery"),  # previous window only
        (1, "2026-03-01 03:00", 66.67, 1.0, 0.25, "mystery"),  # 28 February in New York
        (1, "2026-03-15 16:00", 92.5, 1.0, 1.0, "mystery"),
        (2, "2026-02-28 15:30", 81.255, 0.0, 1 / 3, "mystery"),  # 1 March in Tokyo
        (2, "2026-03-30 12:00", 55.55, 1.0, 2 / 3, "mystery"),
        (0, "2026-03-02 09:00", 98.0, 1.0, 1.0, "self_assessment"),
        (2, "2026-03-03 09:00", 95.125, 1.0, 2 / 3, "self_assessment"),
    ]
    for store, start, score, greeted, smile, kind in visits:
        make_visit(
            location=stores[store],
            checklist=checklist,
            started_at=utc(start),
            score=score,
            kind=kind,
            sections={"greeting": (greeted + smile) * 50},
            answers=[("greeting", "greeted_within_30s", greeted), ("greeting", "smile", smile)],
        )
    return stores


def test_region_trend_literal(client_for, admin, region, dataset):
    body = client_for(admin).get(f"/api/v1/regions/{region.pk}/trend/", {**WINDOW, "period": "month"}).json()

    # February: Amsterdam 81.26 and New York 66.67 (28 February locally); greeting (33.33.. + 62.5) / 2.
    # March: 81.25, 92.5, 81.255, 55.55 -> 77.63875; greeting (66.67.. + 100 + 16.67.. + 83.33..) / 4.

    assert body == {
        "period": "month",
        "series": [
            {
                "period_start": "2026-02-01",
                "visits": 2,
                "average_score": 73.97,
                "pass_rate": 50.0,
                "sections": {"greeting": 47.92},
            },
            {
                "period_start": "2026-03-01",
                "visits": 4,
                "average_score": 77.64,
                "pass_rate": 75.0,
                "sections": {"greeting": 66.67},
            },
        ],
    }


def test_ranking_literal(client_for, admin, dataset):
    body = client_for(admin).get("/api/v1/reports/location-ranking/", WINDOW).json()

    assert [
        (
            r["rank"],
            r["location"]["code"],
            r["visits"],
            r["average_score"],
            r["previous_average_score"],
            r["change"],
            r["pass_rate"],
        )
        for r in body["results"]
    ] == [
        (1, "AMS", 2, 81.26, 70.0, 11.26, 100.0),
        (2, "NYC", 2, 79.59, None, None, 50.0),
        (3, "TYO", 2, 68.4, None, None, 50.0),
    ]


def test_item_performance_literal(client_for, admin, dataset):
    body = client_for(admin).get("/api/v1/reports/item-performance/", WINDOW).json()

    assert [(r["item"], r["answers"], r["average_item_score"]) for r in body["results"]] == [
        ("smile", 6, 54.17),
        ("greeted_within_30s", 6, 66.67),
    ]


def test_perception_gap_literal(client_for, admin, dataset):
    body = client_for(admin).get("/api/v1/reports/perception-gap/", WINDOW).json()

    assert body["overall"] == {"self_assessment_score": 96.56, "mystery_score": 76.41, "gap": 20.15}
    assert [
        (r["item"], r["self_assessment_score"], r["mystery_score"], r["gap"]) for r in body["results"]
    ] == [
        ("greeted_within_30s", 100.0, 66.67, 33.33),
        ("smile", 83.33, 54.17, 29.16),
    ]


REPORTS = [
    ("/api/v1/regions/{region}/trend/", 6),
    ("/api/v1/reports/location-ranking/", 4),
    ("/api/v1/reports/item-performance/", 5),
    ("/api/v1/reports/perception-gap/", 6),
]


@pytest.mark.parametrize(("url", "queries"), REPORTS)
def test_query_count_does_not_grow_with_data(
    client_for, admin, region, checklist, dataset, url, queries, django_assert_max_num_queries
):
    client = client_for(admin)
    path = url.format(region=region.pk)
    params = {**WINDOW, "region": region.pk} if "reports/" in path else WINDOW
    with django_assert_max_num_queries(queries):
        assert client.get(path, params).status_code == 200

    more = [LocationFactory(region=region) for _ in range(5)]
    for store in more:
        for day in range(1, 28, 3):
            make_visit(
                location=store,
                checklist=checklist,
                started_at=utc(f"2026-03-{day:02d} 10:00"),
                answers=[("greeting", "smile", 0.5), ("greeting", "greeted_within_30s", 1.0)],
            )

    with django_assert_max_num_queries(queries):
        assert client.get(path, params).status_code == 200


def test_export_query_count_does_not_grow_with_rows(
    client_for, admin, dataset, django_assert_max_num_queries
):
    client = client_for(admin)
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/exports/visits.csv")
        rows = b"".join(response.streaming_content).decode().count("\r\n") - 1
    assert rows == 18
