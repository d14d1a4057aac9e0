"""Chunked photo bodies: read bounded by the cap, or refused with 411 when the server cannot end them.

The real-server test is ``tests/integration/test_chunked_upload.py`` (gunicorn decodes chunked
bodies); these check the two edges the test client can reach.
"""

import io

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import APIException

from photos.uploads import MULTIPART_OVERHEAD_BYTES, SPOOL_CHUNK_BYTES, LengthRequired, spool_unsized_body


class EndlessBody(io.RawIOBase):
    """A chunked body that never ends; counts what was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = SPOOL_CHUNK_BYTES if size is None or size < 0 else size
        self.read_bytes += size
        return b"x" * size


def chunked_request(body, *, terminated=True):
    request = RequestFactory().generic(
        "POST", "/api/v1/visits/x/photos/", content_type="multipart/form-data; boundary=b"
    )
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = body
    if terminated:
        request.META["wsgi.input_terminated"] = True
    return request


def test_an_endless_chunked_body_is_cut_off_just_past_the_cap():
    body = EndlessBody()
    with pytest.raises(APIException) as raised:
        spool_unsized_body(chunked_request(body), limit=1024 * 1024)
    assert raised.value.status_code == 413
    assert body.read_bytes <= 1024 * 1024 + MULTIPART_OVERHEAD_BYTES + SPOOL_CHUNK_BYTES


def test_a_chunked_body_within_the_cap_gets_its_length():
    request = chunked_request(io.BytesIO(b"a" * 1000))
    spool_unsized_body(request, limit=1024 * 1024)
    assert request.META["CONTENT_LENGTH"] == "1000"
    assert request.read() == b"a" * 1000


def test_a_chunked_body_the_server_cannot_end_is_refused_with_411():
    with pytest.raises(LengthRequired):
        spool_unsized_body(chunked_request(EndlessBody(), terminated=False), limit=1024)


def test_a_chunked_upload_through_a_server_that_does_not_decode_it_answers_411(client_for, auditor, visit):
    response = client_for(auditor).generic(
        "POST",
        f"/api/v1/visits/{visit.pk}/photos/",
        b"",
        content_type="multipart/form-data; boundary=b",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert response.json()["errors"][0]["code"] == "length_required"
