"""The report in the checklist's language (``?lang=``, else ``Accept-Language``, with fallback), and
text beyond Latin-1 that either renders or degrades to something a reader can still use."""

import pytest

from accounts.models import Role
from checklists.logic import answers_shown
from checklists.models import Checklist
from checklists.services import library_install
from documents import fonts
from tests.factories import ChecklistFactory, LocationFactory, UserFactory

from .conftest import pdf_text, report_url, submit

pytestmark = pytest.mark.django_db

FRENCH_SECTION = "Arrivée et première impression"
FRENCH_PROMPT = "Vous a-t-on salué dans les 30 secondes après votre entrée ?"
ENGLISH_SECTION = "Arrival and first impression"
ENGLISH_PROMPT = "Were you greeted within 30 seconds of walking in?"


def _answer(item: dict):
    return {
        "yes_no": True,
        "scale": item.get("scale_max"),
        "choice": (item.get("options") or [{}])[0].get("key"),
        "number": item.get("pass_min") if item.get("pass_min") is not None else 0,
        "text": "Très bien, merci.",
    }[item["type"]]


@pytest.fixture
def library_visit(org, location, auditor):
    """A visit on the built-in in-store checklist (English and French), every shown item answered."""
    library_install(organization=org)
    checklist = Checklist.objects.get(organization=org, builtin_key="builtin-in-person")
    sections = checklist.versions.get(number=1).sections
    items = [item for section in sections for item in section["items"] if item["type"] != "photo"]
    answers = answers_shown(sections, [{"item": i["key"], "value": _answer(i), "na": False} for i in items])
    return submit(location, checklist, auditor, answers)


@pytest.mark.parametrize(
    ("params", "header", "french"),
    [
        ({"lang": "fr"}, None, True),
        ({"lang": "fr-CA"}, None, True),  # the nearest declared language
        ({"lang": "de"}, None, False),  # not declared: the version's default
        ({}, "fr-BE,fr;q=0.9", True),  # Accept-Language when lang is absent
        ({"lang": "en"}, "fr", False),  # lang wins over the header
        ({}, None, False),
    ],
)
def test_prompts_and_titles_come_in_the_language_asked_for(
    client_for, manager, library_visit, params, header, french
):
    extra = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}
    response = client_for(manager).get(report_url(library_visit), params, **extra)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert (FRENCH_SECTION in text) is french
    assert (FRENCH_PROMPT in text) is french
    assert (ENGLISH_SECTION in text) is not french
    assert (ENGLISH_PROMPT in text) is not french
    assert response["Content-Language"] == ("fr" if french else "en")


def test_a_checklist_without_languages_ignores_lang(client_for, manager, visit):
    response = client_for(manager).get(report_url(visit), {"lang": "fr"})
    assert response.status_code == 200
    assert "Greeted within 30 seconds?" in pdf_text(response.content)
    assert "Content-Language" not in response


UNICODE_SECTIONS = [
    {
        "key": "shop",
        "title": "Magasin",
        "weight": 1,
        "items": [
            {
                "key": "clean",
                "prompt": "L'entrée était-elle propre ? (Zoë, Łódź)",
                "type": "yes_no",
                "weight": 1,
            },
            {"key": "tokyo", "prompt": "東京駅の入口は清潔でしたか", "type": "yes_no", "weight": 1},
            {"key": "note", "prompt": "Remarque", "type": "text", "weight": 1},
        ],
    }
]


def test_accents_polish_and_japanese_are_extractable(client_for, org, region, auditor):
    store = LocationFactory(region=region, name="Café Zoë, Łódź", code="ŁDZ-1")
    manager = UserFactory(organization=org, role=Role.MANAGER, regions=[region])
    checklist = ChecklistFactory(organization=org, name="Visite éclair", sections=UNICODE_SECTIONS)
    answers = [
        {"item": "clean", "value": True, "na": False, "comment": "Très propre, même l'été."},
        {"item": "tokyo", "value": False, "na": False, "comment": "改札の前にごみがありました"},
        {"item": "note", "value": "Emoji 😀 and a tab\there", "na": False, "comment": ""},
    ]
    visit = submit(store, checklist, auditor, answers)
    response = client_for(manager).get(report_url(visit))
    assert response.status_code == 200
    text = pdf_text(response.content)
    for expected in (
        "Café Zoë, Łódź (ŁDZ-1)",
        "Visite éclair",
        "L'entrée était-elle propre ? (Zoë, Łódź)",
        "Très propre, même l'été.",
        "東京駅の入口は清潔でしたか",
        "改札の前にごみがありました",
        "Emoji \ufffd and a tab here",  # beyond the fonts: a visible replacement mark
    ):
        assert expected in text, expected


def test_markup_escapes_and_wraps_asian_runs():
    assert fonts.markup("a < b & c") == "a &lt; b &amp; c"
    assert fonts.markup("one\ntwo") == "one<br/>two"
    assert fonts.markup("Gare de 東京 ok") == f'Gare de <font face="{fonts.CJK_FONT}">東京</font> ok'
    assert fonts.markup("서울") == f'<font face="{fonts.HANGUL_FONT}">서울</font>'
    assert fonts.markup("bell\x07 and \U0001f600") == "bell and \ufffd"
    assert fonts.is_plain("Zoë, Łódź, Ελλάδα, Москва") and not fonts.is_plain("東京")
