"""The signature scheme and the reference verifier integrators copy (pure functions)."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from webhooks.signing import event_body, sign, signed_headers, verify

SECRET = "whsec_reference"
BODY = b'{"id":"e1","type":"visit.submitted"}'


def headers_for(body=BODY, secret=SECRET, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    return signed_headers(secret=secret, event_id="e1", raw_body=body, timestamp=timestamp)


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    # Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_reference

    expected = hmac.new(b"whsec_reference", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign(SECRET, 1700000000, b"{}") == f"sha256={expected}"


def test_authentic_delivery_is_accepted():
    assert verify(SECRET, headers_for(), BODY)


def test_header_names_are_case_insensitive():
    lowered = {k.lower(): v for k, v in headers_for().items()}
    assert verify(SECRET, lowered, BODY)


def test_tampered_body_is_rejected():
    assert not verify(SECRET, headers_for(), BODY.replace(b"submitted", b"reviewed"))


def test_old_timestamp_is_rejected_as_a_replay():
    old = int(time.time()) - 301
    assert not verify(SECRET, headers_for(timestamp=old), BODY)
    assert verify(SECRET, headers_for(timestamp=old), BODY, tolerance=600)


def test_timestamp_far_in_the_future_is_rejected():
    assert not verify(SECRET, headers_for(timestamp=int(time.time()) + 3600), BODY)


def test_changed_timestamp_breaks_the_signature():
    headers = headers_for()
    headers["X-Webhook-Timestamp"] = str(int(headers["X-Webhook-Timestamp"]) - 1)
    assert not verify(SECRET, headers, BODY)


def test_wrong_secret_or_missing_headers_are_rejected():
    assert not verify("whsec_other", headers_for(), BODY)
    assert not verify(SECRET, {}, BODY)
    assert not verify(SECRET, {**headers_for(), "X-Signature": "md5=abc"}, BODY)
    assert not verify(SECRET, {**headers_for(), "X-Webhook-Timestamp": "soon"}, BODY)


def test_event_body_has_the_contract_fields():

    body = event_body(
        event_id="e1", type="photo.added", created_at=datetime(2026, 1, 2, tzinfo=UTC), data={"a": 1}
    )
    assert json.loads(body) == {
        "id": "e1",
        "type": "photo.added",
        "created_at": "2026-01-02T00:00:00+00:00",
        "data": {"a": 1},
    }


@given(secret=st.text(min_size=1, max_size=64), body=st.binary(max_size=512), flip=st.integers(min_value=0))
def test_any_signed_body_verifies_and_any_flipped_byte_does_not(secret, body, flip):
    now = 1_800_000_000
    headers = signed_headers(secret=secret, event_id="e", raw_body=body, timestamp=now)
    assert verify(secret, headers, body, now=now)
    if body:
        index = flip % len(body)
        tampered = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
        assert not verify(secret, headers, tampered, now=now)
