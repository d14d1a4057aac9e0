"""Authentication: JWT for people, ``Authorization: Api-Key <key>`` for integrators.

Keys look like ``<prefix>.<secret>``; only the SHA-256 of the whole key is stored. A revoked key
is refused on the very next request (no caching).

A JWT's signature proves who made it, not that its claims make sense: a token whose ``user_id``
is a list, an object, a float or a number beyond any id (which only a holder of the signing key
can make) is an invalid token (401), never a database error.
"""

import hashlib
from typing import ClassVar, Literal, TypeAlias

from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from core.roles import API_KEY_ROLE

from .models import ApiKey, Organization, User

KEYWORD = "Api-Key"
MAX_USER_ID = 2**63 - 1


def user_id_from_claims(payload) -> int:
    """The user id a (signature-checked) token names; ``InvalidToken`` unless it is one.

    simplejwt writes the id as a string of digits; older tokens carry a plain integer.
    """
    value = payload.get(jwt_settings.USER_ID_CLAIM)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if type(value) is not int or not 1 <= value <= MAX_USER_ID:
        raise InvalidToken("Token contained no recognizable user identification.")
    return value


class JWTAuthentication(BaseJWTAuthentication):
    def get_user(self, validated_token):
        user_id_from_claims(validated_token)
        return super().get_user(validated_token)


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


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documented exactly as simplejwt's own class (``jwtAuth``, a bearer JWT)."""

    target_class = "accounts.authentication.JWTAuthentication"
