"""Who is calling, as core sees it: a person or an integrator's API key.

``Principal`` is the protocol core's tenancy, permissions, throttles and request log read callers
through; ``accounts`` implements it twice (``User`` and ``ApiKeyPrincipal``) and names the union
of the two ``accounts.authentication.Caller`` for code that needs to tell them apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:  # DRF loads core while its own modules are still importing
    from rest_framework.request import Request


class Principal(Protocol):
    @property
    def pk(self) -> int | None:
        """A person's user id; ``None`` for an API key (a key is nobody)."""

    @property
    def organization_id(self) -> int | None:
        """The organization whose rows the caller reaches; ``None`` reaches nothing."""

    @property
    def role(self) -> str:
        """A ``core.roles.Role`` value for a person, ``core.roles.API_KEY_ROLE`` for a key."""

    @property
    def is_api_key(self) -> bool: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def can_write(self) -> bool:
        """An API key's ``write`` scope. People carry no scopes (their role decides): ``False``."""

    @property
    def api_key_id(self) -> int | None:
        """The key's row id for an API key; ``None`` for a person."""


class Nobody:
    """An unauthenticated caller (the schema generator's, say): of no organization, so every scoped
    read is empty and every role check fails."""

    pk = None
    organization_id = None
    role = ""
    is_api_key = False
    is_authenticated = False
    can_write = False
    api_key_id = None


NOBODY: Final = Nobody()


def organization_id_of(principal: Principal) -> int:
    """The organization id of a caller a service acts for.

    ``RolePermission`` admits no caller without an organization, so a service never sees one;
    should it, the caller may do nothing (403) rather than act on rows of no organization.
    """
    organization_id = principal.organization_id
    if organization_id is None:
        raise PermissionDenied("The caller belongs to no organization.")
    return organization_id


# The attribute of the Django request that carries the admitted caller (see ``remember_principal``).
_REQUEST_ATTR = "principal"


def remember_principal(request: HttpRequest, principal: Principal) -> None:
    """Leave the caller DRF admitted on the Django request, for the request log.

    DRF authenticates on its own ``Request`` wrapper; middleware only sees the Django request.
    """
    setattr(request, _REQUEST_ATTR, principal)


def request_principal(request: HttpRequest | Request) -> Principal | None:
    """The authenticated caller of ``request``, or ``None`` for an anonymous one.

    ``RolePermission`` leaves the caller on the Django request once it has admitted it; before
    that (or outside DRF) it is ``request.user``, which may be Django's ``AnonymousUser``.
    """
    principal: Principal | None = getattr(request, _REQUEST_ATTR, None)
    if principal is None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            principal = user
    return principal


def principal_of(request: HttpRequest | Request) -> Principal:
    """The caller whose rows a read is scoped to: ``NOBODY`` when nobody authenticated."""
    return request_principal(request) or NOBODY
