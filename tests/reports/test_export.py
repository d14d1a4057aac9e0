"""The visits CSV: header, one row per answer, escaping, streaming, auditor column by role."""

import csv
import io
from collections.abc import Iterator

from reports.csv_export import COLUMNS

from .factories import local, make_visit

URL = "/api/v1/exports/visits.csv"


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_export_streams_one_row_per_answer_from_a_generator(client_for, admin, amsterdam, checklist):
    for _ in range(3):
        make_visit(
            location=amsterdam,
            checklist=checklist,
            started_at=local("2026-05-12 10:00", "Europe/Amsterdam"),
            answers=[("greeting", "greeted_within_30s", 1.0), ("greeting", "smile", 0.75, 4)],
        )

    response = client_for(admin).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming is True
    content = response.streaming_content
    assert isinstance(content, Iterator) and iter(content) is content  # lazily produced, not a string
    assert not hasattr(response, "content")
    rows = read_csv(response)
    assert rows[0] == [*COLUMNS, "auditor"]
    assert len(rows) == 1 + 6


def test_columns_and_values_in_the_documented_order(client_for, admin, amsterdam, checklist, auditor):
    visit = make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=local("2026-05-12 10:00", "Europe/Amsterdam"),
        score=87.5,
        auditor=auditor,
        answers=[("greeting", "smile", 1 / 3, 2, "a bit cold")],
    )

    (_, row) = read_csv(client_for(admin).get(URL))

    assert dict(zip([*COLUMNS, "auditor"], row, strict=True)) == {
        "visit_id": str(visit.pk),
        "kind": "mystery",
        "status": "submitted",
        "started_at": "2026-05-12T08:00:00+00:00",
        "local_date": "2026-05-12",
        "region": "NORTH",
        "location_code": "AMS-01",
        "location_name": "Amsterdam Centraal",
        "checklist": "Store visit",
        "checklist_version": "1",
        "visit_score": "87.50",
        "visit_passed": "true",
        "flags": "",
        "section": "greeting",
        "item": "smile",
        "value": "2",
        "na": "false",
        "item_score": "0.3333",
        "comment": "a bit cold",
        "auditor": "otto",
    }


def test_formula_injection_is_neutralized(client_for, admin, amsterdam, checklist):
    attacks = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=local("2026-05-12 10:00", "Europe/Amsterdam"),
        answers=[("greeting", f"item{i}", None, text, text) for i, text in enumerate(attacks)],
    )

    rows = read_csv(client_for(admin).get(URL))[1:]

    value, comment = COLUMNS.index("value"), COLUMNS.index("comment")
    assert [row[value] for row in rows] == ["'" + text for text in attacks]
    assert [row[comment] for row in rows] == ["'" + text for text in attacks]


def test_auditor_column_only_for_admins_and_managers(
    client_for, admin, manager, staff, key_client_for, org, amsterdam, checklist
):
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=local("2026-05-12 10:00", "Europe/Amsterdam"),
        answers=[("greeting", "smile", 1.0)],
    )

    headers = {
        "admin": read_csv(client_for(admin).get(URL))[0],
        "manager": read_csv(client_for(manager).get(URL))[0],
        "staff": read_csv(client_for(staff).get(URL))[0],
        "api_key": read_csv(key_client_for(org).get(URL))[0],
    }

    assert headers["admin"][-1] == headers["manager"][-1] == "auditor"
    assert headers["staff"] == headers["api_key"] == list(COLUMNS)


def test_filters_narrow_the_export(client_for, admin, amsterdam, other_location, checklist):
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=local("2026-05-12 10:00", "Europe/Amsterdam"),
        answers=[("greeting", "smile", 1.0)],
    )
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=local("2026-06-12 10:00", "Europe/Amsterdam"),
        kind="self_assessment",
        answers=[("greeting", "smile", 1.0)],
    )
    make_visit(
        location=other_location,
        checklist=checklist,
        started_at=local("2026-05-12 10:00", "Europe/Amsterdam"),
        answers=[("greeting", "smile", 1.0)],
    )
    admin_client = client_for(admin)

    def count(**params) -> int:
        return len(read_csv(admin_client.get(URL, params))) - 1

    assert count() == 3
    assert count(location=amsterdam.pk) == 2
    assert count(region=other_location.region_id) == 1
    assert count(kind="self_assessment") == 1
    assert count(**{"from": "2026-06-01"}) == 1
    assert count(**{"to": "2026-05-31"}, status="approved") == 0


def test_bad_export_filters_answer_json_400(client_for, admin):
    response = client_for(admin).get(
        URL, {"kind": "ghost", "from": "2026-05-02", "to": "nope"}, HTTP_ACCEPT="text/csv"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert sorted(error["attr"] for error in response.json()["errors"]) == ["kind", "to"]


def test_empty_export_is_just_the_header(client_for, admin):
    rows = read_csv(client_for(admin).get(URL))

    assert rows == [[*COLUMNS, "auditor"]]


def test_repeated_answers_keep_their_own_values(client_for, admin, amsterdam, checklist):
    # The renderer reuses identical answer cells; true and 1 (equal in Python) must stay apart.
    for value in (True, 1, True):
        make_visit(
            location=amsterdam,
            checklist=checklist,
            started_at=local("2026-05-12 10:00", "Europe/Amsterdam"),
            answers=[("greeting", "smile", 1.0, value)],
        )

    rows = read_csv(client_for(admin).get(URL))[1:]

    assert sorted(row[COLUMNS.index("value")] for row in rows) == ["1", "true", "true"]


def test_names_typed_by_people_are_neutralized_too(client_for, admin, amsterdam, checklist):
    amsterdam.name = "@Evil store"
    amsterdam.save()
    make_visit(
        location=amsterdam,
        checklist=checklist,
        started_at=local("2026-05-12 10:00", "Europe/Amsterdam"),
        answers=[("greeting", "smile", 1.0)],
    )

    (_, row) = read_csv(client_for(admin).get(URL))

    assert row[COLUMNS.index("location_name")] == "'@Evil store"
