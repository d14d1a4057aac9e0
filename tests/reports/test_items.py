"""Item performance (weakest first) and the perception gap (self - mystery), per item and overall."""

from tests.factories import ChecklistFactory, LocationFactory

from .factories import local, make_visit

WINDOW = {"from": "2026-05-01", "to": "2026-05-31"}


def day(location, text="2026-05-12"):
    return local(f"{text} 10:00", location.timezone)


def test_items_are_listed_weakest_first_with_answers_and_prompts(client_for, admin, amsterdam, checklist):
    for greeted, smile in ((1.0, 0.5), (0.0, 0.75), (1.0, None)):
        make_visit(
            location=amsterdam,
            checklist=checklist,
            started_at=day(amsterdam),
            answers=[
                ("greeting", "greeted_within_30s", greeted),
                ("greeting", "smile", smile),
                ("resolution", "remarks", None, "ok"),
            ],
        )

    response = client_for(admin).get("/api/v1/reports/item-performance/", WINDOW)

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "item": "smile",
            "prompt": "How warm was the welcome?",
            "section": "greeting",
            "checklist": checklist.pk,
            "answers": 2,
            "average_item_score": 62.5,
        },
        {
            "item": "greeted_within_30s",
            "prompt": "Greeted within 30 seconds?",
            "section": "greeting",
            "checklist": checklist.pk,
            "answers": 3,
            "average_item_score": 66.67,
        },
    ]


def test_item_performance_counts_only_the_visits_trends_count(client_for, admin, amsterdam, checklist):
    answers = [("greeting", "greeted_within_30s", 0.0)]
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day(amsterdam),
        answers=[("greeting", "greeted_within_30s", 1.0)],
    )
    make_visit(
        location=amsterdam, checklist=checklist, started_at=day(amsterdam), status="returned", answers=answers
    )
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day(amsterdam),
        kind="self_assessment",
        answers=answers,
    )
    make_visit(
        location=amsterdam, checklist=checklist, started_at=day(amsterdam, "2026-06-01"), answers=answers
    )

    (row,) = client_for(admin).get("/api/v1/reports/item-performance/", WINDOW).json()["results"]

    assert (row["answers"], row["average_item_score"]) == (1, 100.0)


def test_item_performance_narrows_to_a_location_or_region(
    client_for, admin, location, other_location, other_region, checklist
):
    make_visit(
        location=location, checklist=checklist, started_at=day(location), answers=[("greeting", "smile", 1.0)]
    )
    make_visit(
        location=other_location,
        checklist=checklist,
        started_at=day(other_location),
        answers=[("greeting", "smile", 0.0)],
    )
    admin_client = client_for(admin)

    by_location = admin_client.get(
        "/api/v1/reports/item-performance/", {**WINDOW, "location": location.pk}
    ).json()
    by_region = admin_client.get(
        "/api/v1/reports/item-performance/", {**WINDOW, "region": other_region.pk}
    ).json()

    assert [r["average_item_score"] for r in by_location["results"]] == [100.0]
    assert [r["average_item_score"] for r in by_region["results"]] == [0.0]


def test_the_same_item_key_in_two_checklists_is_reported_twice(client_for, admin, org, amsterdam, checklist):
    phone = ChecklistFactory(organization=org, name="Phone")
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day(amsterdam),
        answers=[("greeting", "smile", 1.0)],
    )
    make_visit(
        location=amsterdam, checklist=phone, started_at=day(amsterdam), answers=[("greeting", "smile", 0.25)]
    )

    results = client_for(admin).get("/api/v1/reports/item-performance/", WINDOW).json()["results"]

    assert [(r["checklist"], r["average_item_score"]) for r in results] == [
        (phone.pk, 25.0),
        (checklist.pk, 100.0),
    ]


def test_perception_gap_per_item_and_overall(client_for, admin, amsterdam, checklist):
    # Staff rate themselves rosier than the shoppers do.
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day(amsterdam),
        kind="self_assessment",
        score=95.5,
        answers=[("greeting", "greeted_within_30s", 1.0), ("greeting", "smile", 1.0)],
    )
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day(amsterdam),
        kind="self_assessment",
        score=90.0,
        status="approved",
        answers=[("greeting", "greeted_within_30s", 1.0), ("greeting", "smile", 0.75)],
    )
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day(amsterdam),
        score=60.25,
        answers=[
            ("greeting", "greeted_within_30s", 0.0),
            ("greeting", "smile", 0.75),
            ("resolution", "problem_solved", 1.0),
        ],
    )
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=day(amsterdam),
        kind="self_assessment",
        score=10.0,
        status="returned",
        answers=[("greeting", "greeted_within_30s", 0.0)],
    )

    response = client_for(admin).get("/api/v1/reports/perception-gap/", WINDOW)

    assert response.status_code == 200
    assert response.json() == {
        "overall": {"self_assessment_score": 92.75, "mystery_score": 60.25, "gap": 32.5},
        "results": [
            {
                "item": "greeted_within_30s",
                "prompt": "Greeted within 30 seconds?",
                "section": "greeting",
                "checklist": checklist.pk,
                "self_assessment_score": 100.0,
                "mystery_score": 0.0,
                "gap": 100.0,
            },
            {
                "item": "smile",
                "prompt": "How warm was the welcome?",
                "section": "greeting",
                "checklist": checklist.pk,
                "self_assessment_score": 87.5,
                "mystery_score": 75.0,
                "gap": 12.5,
            },
            {
                "item": "problem_solved",
                "prompt": "Was the problem solved on first contact?",
                "section": "resolution",
                "checklist": checklist.pk,
                "self_assessment_score": None,
                "mystery_score": 100.0,
                "gap": None,
            },
        ],
    }


def test_perception_gap_overall_is_null_without_self_assessments(client_for, admin, region, checklist):
    store = LocationFactory(region=region)
    make_visit(
        location=store,
        checklist=checklist,
        started_at=day(store),
        score=70.0,
        answers=[("greeting", "smile", 0.5)],
    )

    body = client_for(admin).get("/api/v1/reports/perception-gap/", {**WINDOW, "location": store.pk}).json()

    assert body["overall"] == {"self_assessment_score": None, "mystery_score": 70.0, "gap": None}
