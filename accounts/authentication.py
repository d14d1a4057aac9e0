"""``Authorization: Api-Key <key>`` authentication for integrators.

Keys look like ``<prefix>.<secret>``; only the SHA-256 of the whole key is stored. A revoked key
is refused on the very next request (no caching).
"""

import hashlib
from typing import ClassVar, Literal, TypeAlias

from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core.roles import API_KEY_ROLE

from .models import ApiKey, Organization, User

KEYWORD = "Api-Key"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKeyPrincipal:
    """The caller behind an API key: the whole organization, with the key's scopes.

    Implements ``core.principal.Principal`` as ``User`` does for a person.
    """

    is_authenticated: ClassVar[Literal[True]] = True
    is_anonymous: ClassVar[Literal[False]] = False
    is_api_key: ClassVar[Literal[True]] = True
    role: ClassVar[str] = API_KEY_ROLE
    pk: ClassVar[None] = None
    id: ClassVar[None] = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.organization = api_key.organization
        self.organization_id: int | None = api_key.organization_id

    @property
    def can_write(self) -> bool:
        return self.api_key.can_write

    @property
    def api_key_id(self) -> int:
        return self.api_key.pk

    def user_or_none(self) -> None:
        """The person behind the caller: none, for a key."""
        return None

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


# Every authenticated caller of the API. ``caller.is_api_key`` tells the two apart (and narrows).
Caller: TypeAlias = User | ApiKeyPrincipal


def caller_of(request: HttpRequest | Request) -> Caller:
    """The authenticated caller of a request that ``RolePermission`` (or ``IsAuthenticated``) admitted.

    DRF's stubs type ``request.user`` as the user model; an API key's principal stands there too.
    """
    user: object = request.user
    if isinstance(user, User | ApiKeyPrincipal):
        return user
    raise exceptions.NotAuthenticated()


def caller_organization(request: HttpRequest | Request) -> Organization:
    """The organization of the admitted caller (``RolePermission`` admits none without one)."""
    organization = caller_of(request).organization
    if organization is None:
        raise exceptions.PermissionDenied()
    return organization


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid API key header.")
        try:
            raw = header[1].decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        api_key = (
            ApiKey.objects.select_related("organization")
            .filter(hashed_key=hash_key(raw), revoked_at__isnull=True)
            .first()
        )
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Integrators: `Authorization: Api-Key <key>`.",
        }
