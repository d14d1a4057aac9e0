"""Declarative role permissions (Sentry-style): a view maps HTTP methods to the roles allowed.

``request.user`` is either a ``User`` (with ``role``) or an ``ApiKeyPrincipal`` whose role is
``api_key``. API keys read what an admin reads; a key with the ``write`` scope may also do what an
admin may, except on views that set ``api_key_may_write = False`` (users, keys, webhooks).
Views holding people's personal data (users) or key material also set ``api_key_may_read = False``.
A method the view does not have passes (once the caller is authenticated) so the answer is 405,
not a misleading 403.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

EVERYONE = frozenset({"admin", "manager", "auditor", "staff", "api_key"})
ADMIN = frozenset({"admin"})
ADMIN_MANAGER = frozenset({"admin", "manager"})
STAFF_OR_READER = EVERYONE


class RolePermission(BasePermission):
    default_map = {
        "GET": EVERYONE,
        "HEAD": EVERYONE,
        "OPTIONS": EVERYONE,
        "POST": ADMIN,
        "PUT": ADMIN,
        "PATCH": ADMIN,
        "DELETE": ADMIN,
    }

    def allowed_roles(self, request, view) -> frozenset:
        action_map = getattr(view, "action_roles", None) or {}
        action = getattr(view, "action", None)
        if action in action_map:
            return frozenset(action_map[action])
        role_map = getattr(view, "role_map", None) or self.default_map
        return frozenset(role_map.get(request.method, frozenset()))

    @staticmethod
    def _view_handles(request, view) -> bool:
        method = request.method.lower()
        return method in view.http_method_names and hasattr(view, method)

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not principal or not principal.is_authenticated:
            return False
        if getattr(principal, "organization_id", None) is None:
            return False
        # Expose the caller to the request log (organization id only).
        request._request.principal = principal
        if not self._view_handles(request, view):
            return True  # let the view answer 405, not a misleading 403
        allowed = self.allowed_roles(request, view)
        role = principal.role
        if role == "api_key":
            if request.method in SAFE_METHODS:
                return getattr(view, "api_key_may_read", True) and (
                    "api_key" in allowed or "admin" in allowed
                )
            return (
                principal.can_write
                and getattr(view, "api_key_may_write", True)
                and ("admin" in allowed or "api_key" in allowed)
            )
        return role in allowed
