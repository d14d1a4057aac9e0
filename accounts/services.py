"""Writes for organizations, users and API keys."""

import secrets

from django.db import transaction

from .authentication import hash_key
from .models import ApiKey, Organization, User

API_KEY_SCOPES = ("read", "write")


@transaction.atomic
def api_key_create(*, organization: Organization, name: str, scopes: list[str], created_by: User | None):
    """Create a key and return ``(api_key, raw_key)``; the raw key is never stored or shown again."""
    prefix = secrets.token_hex(4)
    raw = f"{prefix}.{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        prefix=prefix,
        hashed_key=hash_key(raw),
        scopes=sorted(set(scopes or ["read"])),
        created_by=created_by,
    )
    return api_key, raw
