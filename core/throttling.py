"""Throttles per role, per API key and per client address; 429 answers carry ``Retry-After``.

Rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on every request (not frozen at
import as DRF's class attribute is), so environment-driven and test overrides take effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .principal import Principal

if TYPE_CHECKING:  # DRF loads this module while its own ``views`` module is still importing
    from rest_framework.request import Request
    from rest_framework.views import APIView


def _rates() -> Mapping[str, str | None]:
    # DRF's stubs type the rates as numbers; they are strings such as "600/min".
    return cast("Mapping[str, str | None]", api_settings.DEFAULT_THROTTLE_RATES or {})


class PrincipalRateThrottle(SimpleRateThrottle):
    """One bucket per user or per API key, with a rate chosen by role (``THROTTLE_<ROLE>``)."""

    def __init__(self) -> None:  # the scope (and so the rate) is only known per request
        pass

    def allow_request(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            self.scope = "anon"
        else:
            principal: Principal = user  # a person or an API key (``accounts.authentication``)
            self.scope = principal.role
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        rates = _rates()
        return rates.get(self.scope or "anon") or rates.get("anon")

    def get_cache_key(self, request: Request, view: APIView) -> str:
        user = request.user
        if user and user.is_authenticated:
            principal: Principal = user
            ident = f"key:{principal.api_key_id}" if principal.is_api_key else f"user:{principal.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"


class AuthRateThrottle(AnonRateThrottle):
    """Login and refresh: per client address, whoever they claim to be (``THROTTLE_AUTH``)."""

    scope = "auth"

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str | None:
        return _rates().get(self.scope or "")
