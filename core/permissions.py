"""Declarative role permissions (Sentry-style): a view maps HTTP methods to the roles allowed.

``request.user`` is either a ``User`` (with ``role``) or an ``ApiKeyPrincipal`` whose role is
``api_key``. API keys read what an admin reads; a key with the ``write`` scope may also do what an
admin may, except on views that set ``api_key_may_write = False`` (users, keys, webhooks).
Views holding people's personal data (users) or key material also set ``api_key_may_read = False``.
A method the view does not have passes (once the caller is authenticated) so the answer is 405,
not a misleading 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .principal import Principal, remember_principal

if TYPE_CHECKING:  # DRF loads this module while its own ``views`` module is still importing
    from rest_framework.request import Request
    from rest_framework.views import APIView
from .roles import API_KEY_ROLE, Role

RoleSet = frozenset[str]

EVERYONE: RoleSet = frozenset({Role.ADMIN, Role.MANAGER, Role.AUDITOR, Role.STAFF, API_KEY_ROLE})
ADMIN: RoleSet = frozenset({Role.ADMIN})
ADMIN_MANAGER: RoleSet = frozenset({Role.ADMIN, Role.MANAGER})
#: Every person, never an API key (even a ``write`` one): for what only a person has (an inbox).
PEOPLE: RoleSet = frozenset({Role.ADMIN, Role.MANAGER, Role.AUDITOR, Role.STAFF})
STAFF_OR_READER = EVERYONE


class RolePermission(BasePermission):
    default_map: Mapping[str, RoleSet] = {
        "GET": EVERYONE,
        "HEAD": EVERYONE,
        "OPTIONS": EVERYONE,
        "POST": ADMIN,
        "PUT": ADMIN,
        "PATCH": ADMIN,
        "DELETE": ADMIN,
    }

    def allowed_roles(self, request: Request, view: APIView) -> RoleSet:
        # Views declare these optionally (class attributes), hence the probing of the view.
        action_map: Mapping[str, Iterable[str]] = getattr(view, "action_roles", None) or {}
        action = getattr(view, "action", None)
        if action is not None and action in action_map:
            return frozenset(action_map[action])
        role_map: Mapping[str, Iterable[str]] = getattr(view, "role_map", None) or self.default_map
        return frozenset(role_map.get(request.method or "", frozenset()))

    @staticmethod
    def _view_handles(request: Request, view: APIView) -> bool:
        method = (request.method or "").lower()
        return method in view.http_method_names and hasattr(view, method)

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        principal: Principal = user  # a person or an API key (``accounts.authentication``)
        if principal.organization_id is None:
            return False
        # Expose the caller to the request log (organization id only).
        remember_principal(request._request, principal)
        if not self._view_handles(request, view):
            return True  # let the view answer 405, not a misleading 403
        allowed = self.allowed_roles(request, view)
        role = principal.role
        if role == API_KEY_ROLE:
            if request.method in SAFE_METHODS:
                return getattr(view, "api_key_may_read", True) and (
                    API_KEY_ROLE in allowed or Role.ADMIN in allowed
                )
            return (
                principal.can_write
                and getattr(view, "api_key_may_write", True)
                and (Role.ADMIN in allowed or API_KEY_ROLE in allowed)
            )
        return role in allowed
