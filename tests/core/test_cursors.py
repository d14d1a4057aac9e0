"""A tampered pagination cursor is a 400 ``invalid_cursor`` on every cursor-paginated list.

Cursors are opaque base64 of ``o`` (offset), ``r`` (direction) and ``p`` (the position in the
list's order). Before, a position the database could not take (``p=not-a-date``, a NUL, an id
beyond 64 bits) was a 500, and undecodable base64 was DRF's 404 "Invalid cursor".
"""

import base64
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import yaml

from tests.hardening.dataset import build_dataset

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi" / "schema.yaml").read_text())
CURSOR_LISTS = sorted(
    path
    for path, operations in SCHEMA["paths"].items()
    if any(p["name"] == "cursor" for p in operations.get("get", {}).get("parameters", []))
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


#: Regions, locations and qualifications are ordered by code: any short text is a position there.
CODE_ORDERED = {"/api/v1/regions/", "/api/v1/locations/", "/api/v1/qualifications/"}
#: Positions no time- or id-ordered list can take.
BAD_POSITIONS = {
    "not a date": b64("p=not-a-date"),
    "id beyond 64 bits": b64(f"p={2**64}"),
    "negative id beyond 64 bits": b64(f"p=-{2**64}"),
    "instant without offset": b64("p=2026-01-01 10:00:00"),
    "instant overflowing UTC": b64("p=0001-01-01 00:00:00%2B14:00"),
}
#: Cursors no list can take.
TAMPERED = {
    "NUL in the position": b64("p=1%00"),
    "NUL in the text": b64("p=\x00"),
    "huge position": b64("p=" + "9" * 5000),
    "huge offset": b64("o=" + "9" * 5000),
    "negative offset": b64("o=-1"),
    "direction 2": b64("r=2"),
    "unknown token": b64("x=1"),
    "repeated token": b64("o=1&o=2"),
    "garbage base64": "!!!",
    "truncated base64": b64("o=1&p=2026")[:-2],
    "binary": base64.b64encode(b"\xff\xfe\x00").decode(),
    "non-ASCII": "ÿ",
}


@pytest.fixture
def dataset(db):
    return build_dataset("Cursor Org")


def _path(template: str, dataset) -> str:
    objects = dataset.objects
    owner = objects["visit"]
    if template.startswith("/api/v1/disputes/"):
        owner = objects["dispute"]
    elif template.startswith("/api/v1/actions/"):
        owner = objects["action"]
    return template.format(
        checklist_id=objects["checklist"].pk,
        id=owner.pk,
        visit_id=objects["visit"].pk,
        webhook_id=objects["webhook"].pk,
    )


def test_the_schema_has_the_cursor_lists_we_expect():
    assert len(CURSOR_LISTS) >= 10 and "/api/v1/visits/" in CURSOR_LISTS


INVALID_CURSOR = {
    "type": "validation_error",
    "errors": [
        {
            "code": "invalid_cursor",
            "detail": "Invalid cursor: start again from the first page (omit `cursor`).",
            "attr": "cursor",
        }
    ],
}


@pytest.mark.parametrize("cursor", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_cursor_is_a_400_on_every_list(dataset, cursor):
    client = dataset.client("admin")
    for template in CURSOR_LISTS:
        response = client.get(f"{_path(template, dataset)}?cursor={quote(cursor, safe='')}")

        assert response.status_code == 400, (template, response.content)
        assert response.json() == INVALID_CURSOR


@pytest.mark.parametrize("cursor", BAD_POSITIONS.values(), ids=BAD_POSITIONS.keys())
def test_a_position_the_order_cannot_hold_is_a_400(dataset, cursor):
    client = dataset.client("admin")
    for template in CURSOR_LISTS:
        response = client.get(f"{_path(template, dataset)}?cursor={quote(cursor, safe='')}")

        if template in CODE_ORDERED:  # a code may read like anything: simply a place in the list
            assert response.status_code == 200, (template, response.content)
        else:
            assert response.status_code == 400, (template, response.content)
            assert response.json() == INVALID_CURSOR


def test_real_cursors_still_walk_forward_and_back(dataset):
    client = dataset.client("admin")
    first = client.get("/api/v1/visits/", {"page_size": 1}).json()
    second = client.get(first["next"]).json()
    assert second["results"] and second["results"] != first["results"]
    back = client.get(second["previous"]).json()
    assert back["results"] == first["results"]
    # The position of a real cursor is an instant with its offset: it decodes as it was made.
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    assert "p" in parse_qs(base64.b64decode(cursor).decode())


def test_a_blank_cursor_is_the_first_page(dataset):
    client = dataset.client("admin")
    assert client.get("/api/v1/regions/?cursor=").json() == client.get("/api/v1/regions/").json()


@pytest.mark.parametrize("size", ["9" * 5000, "0" * 4 + "1", "1e2", "２"])
def test_a_malformed_page_size_is_a_400_naming_it(dataset, size):
    response = dataset.client("admin").get("/api/v1/visits/", {"page_size": size})

    assert response.status_code == 400, response.content
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("invalid", "page_size")]
