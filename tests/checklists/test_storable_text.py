"""Checklist texts with a NUL or a lone surrogate are a 400 naming the field, on both databases.

Before: a lone surrogate (``"\\ud800"``) broke the version's ETag (UnicodeEncodeError, a 500); a
NUL was a 500 on PostgreSQL (``jsonb`` refuses it) and silently stored on SQLite.
"""

import json

import pytest
from django.core.exceptions import ValidationError

from checklists.definition import definition_problems
from checklists.models import Checklist, ChecklistVersion
from checklists.services import checklist_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/checklists/"

TEXT_FIELDS = [
    ("sections", 0, "title"),
    ("sections", 0, "items", 0, "prompt"),
    ("sections", 0, "items", 0, "help_text"),
    ("sections", 0, "items", 0, "source"),
    ("sections", 1, "items", 1, "options", 0, "label"),
]
BAD = {
    "lone surrogate": ("\ud800", "surrogate_characters_not_allowed"),
    "trailing lone surrogate": ("ok \udfff", "surrogate_characters_not_allowed"),
    "NUL": ("a\x00b", "null_characters_not_allowed"),
}


def with_text(body: dict, path: tuple, value: str) -> dict:
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


def post_raw(client, url: str, body: dict):
    # json.dumps escapes as \\ud800 / \\u0000: exactly what a client sends.
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("value,code", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("path", TEXT_FIELDS, ids=lambda path: ".".join(map(str, path)))
def test_a_checklist_text_that_cannot_be_stored_is_a_400_naming_it(
    admin, client_for, definition, path, value, code
):
    response = post_raw(client_for(admin), URL, with_text(definition, path, value))

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        {"code": code, "detail": response.json()["errors"][0]["detail"], "attr": ".".join(map(str, path))}
    ]
    assert not Checklist.objects.exists()


@pytest.mark.parametrize("value,code", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("field", ["name", "description"])
def test_the_checklist_name_and_description_too(admin, client_for, definition, field, value, code):
    response = post_raw(client_for(admin), URL, {**definition, field: value})

    assert response.status_code == 400, response.content
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [(code, field)]


@pytest.mark.parametrize("value,code", BAD.values(), ids=BAD.keys())
def test_a_new_version_with_such_text_is_a_400_and_the_current_one_stays(
    admin, client_for, checklist, definition, value, code
):
    body = {"pass_threshold": 80, "sections": definition["sections"]}
    with_text(body, ("sections", 0, "items", 0, "prompt"), value)

    response = post_raw(client_for(admin), f"{URL}{checklist.pk}/versions/", body)

    assert response.status_code == 400, response.content
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [
        (code, "sections.0.items.0.prompt")
    ]
    assert ChecklistVersion.objects.filter(checklist=checklist).count() == 1


@pytest.mark.parametrize("value,code", BAD.values(), ids=BAD.keys())
def test_the_definition_validator_refuses_it_for_every_caller(org, definition, value, code):
    """Services and commands that skip HTTP get the same answer (and no ETag is computed)."""
    with_text(definition, ("sections", 0, "title"), value)

    problems = definition_problems(sections=definition["sections"], pass_threshold=80)

    assert [(p.path, p.code) for p in problems] == [("sections.0.title", code)]
    with pytest.raises(ValidationError) as raised:
        checklist_create(organization=org, **definition)
    assert "sections.0.title" in str(raised.value)


def test_other_unicode_is_stored_and_fingerprinted(admin, client_for, definition):
    """Emoji (astral, i.e. a surrogate *pair* in JSON's escapes), RTL marks and CJK are fine."""
    text = "Smiled? 😀 \u200f שלום 你好"
    response = post_raw(client_for(admin), URL, with_text(definition, ("sections", 0, "title"), text))

    assert response.status_code == 201, response.content
    version = ChecklistVersion.objects.get()
    assert version.sections[0]["title"] == text and len(version.etag) == 64
