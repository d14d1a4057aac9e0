"""Reports and the CSV export in a checklist's languages: ?lang= (or Accept-Language) with fallback."""

import csv
import io

import pytest

from checklists.services import checklist_create
from reports.csv_export import COLUMNS

from .factories import local, make_visit

WINDOW = {"from": "2026-05-01", "to": "2026-05-31"}
SECTIONS = [
    {
        "key": "greeting",
        "title": {"en": "Greeting", "fr": "Accueil"},
        "items": [
            {
                "key": "greeted",
                "prompt": {"en": "Were you greeted?", "fr": "Vous a-t-on salué ?"},
                "type": "yes_no",
            },
            {
                "key": "offer",
                "prompt": "What was offered?",
                "type": "choice",
                "options": [
                    {"key": "none", "label": {"en": "Nothing", "fr": "Rien"}, "points": 0},
                    {"key": "some", "label": {"en": "Something", "fr": "Quelque chose"}, "points": 1},
                ],
            },
        ],
    }
]


@pytest.fixture
def bilingual(org):
    return checklist_create(
        organization=org,
        name="Bilingual",
        channel="in_person",
        pass_threshold=80,
        sections=SECTIONS,
        languages=["en", "fr"],
    )


@pytest.fixture
def visits(location, bilingual):
    at = local("2026-05-12 10:00", location.timezone)
    for kind in ("mystery", "self_assessment"):
        make_visit(
            location=location,
            checklist=bilingual,
            started_at=at,
            kind=kind,
            answers=[("greeting", "greeted", 1.0, True), ("greeting", "offer", 1.0, "some")],
        )


@pytest.mark.parametrize(
    "params,header,prompt",
    [
        ({}, None, "Were you greeted?"),
        ({"lang": "fr"}, None, "Vous a-t-on salué ?"),
        ({"lang": "fr-BE"}, None, "Vous a-t-on salué ?"),
        ({"lang": "de"}, None, "Were you greeted?"),
        ({}, "fr-FR,fr;q=0.9", "Vous a-t-on salué ?"),
    ],
)
def test_item_prompts_come_in_the_language_asked_for(client_for, admin, visits, params, header, prompt):
    extra = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}
    client = client_for(admin)
    for url in ("/api/v1/reports/item-performance/", "/api/v1/reports/perception-gap/"):
        response = client.get(url, {**WINDOW, **params}, **extra)
        assert response.status_code == 200, response.content
        prompts = {row["item"]: row["prompt"] for row in response.json()["results"]}
        assert prompts == {"greeted": prompt, "offer": "What was offered?"}


@pytest.mark.parametrize(
    "url",
    ["/api/v1/reports/item-performance/", "/api/v1/reports/perception-gap/", "/api/v1/exports/visits.csv"],
)
def test_a_malformed_lang_is_a_400_at_lang(client_for, admin, url):
    response = client_for(admin).get(url, {"lang": "français"})
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("lang", "invalid_language")]


def _rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_takes_lang_for_prompts_and_option_labels(client_for, admin, staff, visits):
    response = client_for(admin).get("/api/v1/exports/visits.csv", {"lang": "fr", "kind": "mystery"})
    assert response.status_code == 200
    header, *rows = _rows(response)
    assert header == [*COLUMNS, "prompt", "value_label", "auditor"]
    by_item = {row[COLUMNS.index("item")]: row for row in rows}
    assert by_item["greeted"][-3:-1] == ["Vous a-t-on salué ?", ""]
    assert by_item["offer"][-3:-1] == ["What was offered?", "Quelque chose"]

    staff_rows = _rows(client_for(staff).get("/api/v1/exports/visits.csv", {"lang": "en", "kind": "mystery"}))
    assert staff_rows[0] == [*COLUMNS, "prompt", "value_label"]
    assert {row[COLUMNS.index("item")]: row[-1] for row in staff_rows[1:]} == {
        "greeted": "",
        "offer": "Something",
    }


def test_the_csv_without_lang_keeps_its_columns(client_for, admin, visits):
    header = _rows(client_for(admin).get("/api/v1/exports/visits.csv", HTTP_ACCEPT_LANGUAGE="fr"))[0]
    assert header == [*COLUMNS, "auditor"]
