"""Chunked photo uploads (``Transfer-Encoding: chunked``, no ``Content-Length``) over a real server.

The test client cannot send a chunked body; gunicorn decodes it, and Django used to read it as empty
(a 400 saying the image is missing). Now the body is read, bounded by the photo cap, and stored.
"""

import datetime as dt
import http.client
import io
import json
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image
from urllib3 import encode_multipart_formdata

from checklists.logic import answers_shown

from .conftest import PHOTO_CAP

# One xdist worker runs every test of tests/integration/, so the session's demo server is built once.
pytestmark = pytest.mark.xdist_group("integration")


def _jpeg(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def auditor_visit(demo_server):
    """The demo auditor's visit for one of their open assignments, as a phone submits it."""
    token = demo_server.token("demo-auditor-2")
    headers = {"Authorization": f"Bearer {token}"}
    assignment = requests.get(
        f"{demo_server.url}/api/v1/assignments/", params={"status": "open"}, headers=headers, timeout=30
    ).json()["results"][0]
    version = requests.get(
        f"{demo_server.url}/api/v1/checklists/{assignment['checklist']}/versions/{assignment['checklist_version']}/",
        headers=headers,
        timeout=30,
    ).json()
    items = [item for section in version["sections"] for item in section["items"] if item["type"] != "photo"]
    answers = [
        {"item": item["key"], "na": True}
        if item["allow_na"]
        else {"item": item["key"], "value": _value(item)}
        for item in items
    ]
    answers = answers_shown(version["sections"], answers)  # as a phone asks them (show_if)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=40)
    body = {
        "id": str(uuid.uuid4()),
        "assignment": assignment["id"],
        "kind": "mystery",
        "started_at": started.isoformat(),
        "ended_at": (started + dt.timedelta(minutes=20)).isoformat(),
        "answers": answers,
    }
    response = requests.post(f"{demo_server.url}/api/v1/visits/", json=body, headers=headers, timeout=30)
    assert response.status_code == 201, response.text
    return token, response.json()["id"]


def _value(item):
    return {
        "yes_no": True,
        "scale": item.get("scale_max"),
        "choice": (item.get("options") or [{}])[0].get("key"),
        "number": item.get("pass_min") if item.get("pass_min") is not None else 0,
        "text": "fine",
    }[item["type"]]


def _send_chunked(url: str, token: str, body: bytes, content_type: str, chunk: int = 16 * 1024):
    """POST ``body`` with ``Transfer-Encoding: chunked`` and no ``Content-Length``."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.putrequest("POST", parts.path)
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", content_type)
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    for piece in pieces[:-1]:
        connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    # The last piece and the terminator go out together: the server has all of it when it answers.
    connection.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(pieces[-1]), pieces[-1]))
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, payload


def test_a_chunked_photo_upload_is_stored(demo_server, auditor_visit):
    token, visit_id = auditor_visit
    photo_id = str(uuid.uuid4())
    body, content_type = encode_multipart_formdata(
        {"id": photo_id, "item": "", "image": ("storefront.jpg", _jpeg((640, 480)), "image/jpeg")}
    )
    url = f"{demo_server.url}/api/v1/visits/{visit_id}/photos/"
    status, payload = _send_chunked(url, token, body, content_type)
    assert status == 201, payload
    listed = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["results"]
    assert [(p["id"], p["width"], p["height"]) for p in listed] == [(photo_id, 640, 480)]
    # The same upload resent chunked is a retry like any other.
    assert _send_chunked(url, token, body, content_type)[0] == 200


def test_a_chunked_upload_past_the_cap_is_a_413_in_the_error_shape(demo_server, auditor_visit):

    token, visit_id = auditor_visit
    noise = bytes(range(256)) * ((PHOTO_CAP + 128 * 1024) // 256)
    body, content_type = encode_multipart_formdata(
        {"id": str(uuid.uuid4()), "item": "", "image": ("big.jpg", _jpeg() + noise, "image/jpeg")}
    )
    status, payload = _send_chunked(
        f"{demo_server.url}/api/v1/visits/{visit_id}/photos/", token, body, content_type
    )
    assert status == 413
    error = json.loads(payload)
    assert error["type"] == "client_error" and error["errors"][0]["code"] == "too_large"
