"""Authentication: people's JWTs (``Authorization: Bearer <access>``) and integrators' API keys.

JWTs carry the person's token generation (``gen``); a token of an older generation is refused on
the very next request, so a password change, deactivation, role change or forgetting ends every
token at once (``User.token_generation``). Tokens without the claim count as generation 0.

API keys (``Authorization: Api-Key <key>``) look like ``<prefix>.<secret>``; only the SHA-256 of
the whole key is stored. A revoked key is refused on the very next request (no caching).

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
from rest_framework_simplejwt import authentication as jwt_authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import Token

from core.roles import API_KEY_ROLE

from .models import ApiKey, Organization, User

GENERATION_CLAIM = "gen"


def user_for_token(token: Token) -> User | None:
    """The user a validated token names (``None`` if gone), if its generation is the user's current one.

    Raises ``InvalidToken`` (401 ``token_not_valid``, so clients refresh or log in again) for a
    malformed user claim or a token that the person's token generation has left behind.
    """
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    if (
        isinstance(user_id, bool)
        or not isinstance(user_id, str | int)
        or not (str(user_id).isascii() and str(user_id).isdigit() and len(str(user_id)) <= 19)
    ):
        raise InvalidToken("Token contained no recognizable user identification")
    if not 1 <= int(user_id) <= 2**63 - 1:
        raise InvalidToken("Token contained no recognizable user identification")
    user = User.objects.filter(pk=int(user_id)).first()
    if user is None:
        return None
    generation = token.get(GENERATION_CLAIM, 0)
    if isinstance(generation, bool) or generation != user.token_generation:
        raise InvalidToken("Token was revoked: the password, role or activity of its user changed.")
    return user


class JWTAuthentication(jwt_authentication.JWTAuthentication):
    def get_user(self, validated_token):  # simplejwt types it with an unbound TypeVar
        user = user_for_token(validated_token)
        if user is None:
            raise exceptions.AuthenticationFailed("User not found", code="user_not_found")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User is inactive", code="user_inactive")
        return user


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


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documented exactly as simplejwt's own class (``jwtAuth``, a bearer JWT)."""

    target_class = "accounts.authentication.JWTAuthentication"
