"""Throttles per role, per API key and per client address; 429 answers carry ``Retry-After``.

Rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on every request (not frozen at
import as DRF's class attribute is), so environment-driven and test overrides take effect.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


def _rates() -> dict:
    return api_settings.DEFAULT_THROTTLE_RATES or {}


class PrincipalRateThrottle(SimpleRateThrottle):
    """One bucket per user or per API key, with a rate chosen by role (``THROTTLE_<ROLE>``)."""

    def __init__(self):  # the scope (and so the rate) is only known per request
        pass

    def allow_request(self, request, view):
        principal = request.user
        if not principal or not principal.is_authenticated:
            self.scope = "anon"
        else:
            self.scope = getattr(principal, "role", "anon")
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self):
        rates = _rates()
        return rates.get(self.scope) or rates.get("anon")

    def get_cache_key(self, request, view):
        principal = request.user
        if principal and principal.is_authenticated:
            ident = (
                f"key:{principal.api_key.pk}"
                if getattr(principal, "is_api_key", False)
                else f"user:{principal.pk}"
            )
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"


class AuthRateThrottle(AnonRateThrottle):
    """Login and refresh: per client address, whoever they claim to be (``THROTTLE_AUTH``)."""

    scope = "auth"

    def __init__(self):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        return _rates().get(self.scope)
