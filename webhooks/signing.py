"""Webhook signatures: what the sender computes and what a receiver checks.

Pure functions, no Django. A delivery carries ``X-Webhook-Id`` (the event id, the same on every
retry), ``X-Webhook-Timestamp`` (Unix seconds of this attempt) and
``X-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}">``. Signing the timestamp
with the body lets a receiver refuse replays: a captured request cannot be re-sent later with a
fresh timestamp without the secret.

``verify`` is the reference verifier printed in the README for integrators to copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime

ID_HEADER = "X-Webhook-Id"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Signature"
SCHEME = "sha256"


def sign(secret: str, timestamp: int, raw_body: bytes) -> str:
    """``sha256=<hex>`` over ``"{timestamp}.{raw body}"`` keyed with ``secret``."""
    message = f"{timestamp}.".encode() + raw_body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def signed_headers(*, secret: str, event_id: str, raw_body: bytes, timestamp: int) -> dict[str, str]:
    """The headers of one delivery attempt (the timestamp is the attempt's, not the event's)."""
    return {
        "Content-Type": "application/json",
        ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, raw_body),
    }


def event_body(*, event_id: str, type: str, created_at: datetime, data) -> bytes:
    """The delivered JSON body ``{id, type, created_at, data}`` as the exact bytes that are signed."""
    payload = {"id": event_id, "type": type, "created_at": created_at.isoformat(), "data": data}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


def verify(secret: str, headers: Mapping[str, str], raw_body: bytes, tolerance: int = 300, now=None) -> bool:
    """Reference verifier: True only for an authentic delivery no older than ``tolerance`` seconds.

    ``headers`` may use any letter case; ``raw_body`` must be the bytes as received, before any
    JSON parsing. Also refuses timestamps more than ``tolerance`` seconds in the future.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get("x-webhook-timestamp", "")
    signature = lowered.get("x-signature", "")
    if not timestamp.isdigit() or not signature.startswith("sha256="):
        return False
    current = int(time.time() if now is None else now)
    if abs(current - int(timestamp)) > tolerance:
        return False
    expected = sign(secret, int(timestamp), raw_body)
    return hmac.compare_digest(expected, signature)
