"""Throttles per role, per API key and per client address; 429 answers carry ``Retry-After``.

Rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on every request (not frozen at
import as DRF's class attribute is), so environment-driven and test overrides take effect.

Counting is atomic across processes: DRF's own throttle reads a history list, appends and writes it
back, so parallel requests in several processes (gunicorn workers sharing Redis) overwrite each
other's counts and a guesser with parallel connections gets far more than the rate. Here each
request is one atomic ``incr`` on a counter per fixed window of the rate's duration.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .principal import Principal

if TYPE_CHECKING:  # DRF loads this module while its own ``views`` module is still importing
    from rest_framework.request import Request
    from rest_framework.views import APIView


def _rates() -> Mapping[str, str | None]:
    # DRF's stubs type the rates as numbers; they are strings such as "600/min".
    return cast("Mapping[str, str | None]", api_settings.DEFAULT_THROTTLE_RATES or {})


if TYPE_CHECKING:
    # The mixin goes before a DRF throttle: type-check it as one (at run time it is plain).
    _ThrottleBase = SimpleRateThrottle
else:
    _ThrottleBase = object


class AtomicWindowMixin(_ThrottleBase):
    """``SimpleRateThrottle`` counting with ``cache.add`` + ``cache.incr`` per fixed window."""

    _wait: float | None = None
    # Set by ``SimpleRateThrottle`` (``parse_rate``); the stubs do not declare them.
    num_requests: int | None
    duration: int | None

    if TYPE_CHECKING:

        def get_cache_key(self, request: Request, view: APIView | None) -> str | None: ...

    def allow_request(self, request: Request, view: APIView | None) -> bool:
        if self.rate is None or self.duration is None or self.num_requests is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{self.key}:{window}"
        self._wait = (window + 1) * self.duration - now
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the counter expired between add and incr: this is its first request
            self.cache.add(key, 1, timeout=self.duration + 1)
            count = 1
        return bool(count <= self.num_requests)

    def wait(self) -> float | None:
        return self._wait


class PrincipalRateThrottle(AtomicWindowMixin, SimpleRateThrottle):
    """One bucket per user or per API key, with a rate chosen by role (``THROTTLE_<ROLE>``)."""

    def __init__(self) -> None:  # the scope (and so the rate) is only known per request
        pass

    def allow_request(self, request: Request, view: APIView | None) -> bool:
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

    def get_cache_key(self, request: Request, view: APIView | None) -> str:
        user = request.user
        if user and user.is_authenticated:
            principal: Principal = user
            ident = f"key:{principal.api_key_id}" if principal.is_api_key else f"user:{principal.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"


class AuthRateThrottle(AtomicWindowMixin, AnonRateThrottle):
    """Login and refresh: per client address, whoever they claim to be (``THROTTLE_AUTH``)."""

    scope = "auth"

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str | None:
        return _rates().get(self.scope or "")


class _AddressThrottle(AuthRateThrottle):
    """``AuthRateThrottle``'s bucket (same cache key), also for a signed-in caller (password change)."""

    def get_cache_key(self, request: Request, view: APIView | None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _plain_refusal(request: HttpRequest, wait: int) -> HttpResponse:
    return HttpResponse(
        f"Too many attempts from your address; retry in {wait} s.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )


def throttle_password_posts(
    view: Callable[..., HttpResponseBase],
    *,
    refused: Callable[[HttpRequest, int], HttpResponse] = _plain_refusal,
) -> Callable[..., HttpResponseBase]:
    """Throttle a Django (non-DRF) view's POSTs like the token endpoint: per address, ``THROTTLE_AUTH``.

    For the admin site's and the dashboard's login forms (and the admin's password change): a guess
    there costs the same as one at ``/api/v1/auth/token/`` and comes out of the same per-address
    budget (the same cache key). Past it, 429 with ``Retry-After`` and the form is not even looked
    at; ``refused(request, wait_seconds)`` says so (plain text unless the page has its own way).
    GETs (showing the form) are free.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            throttle = _AddressThrottle()
            # The throttle reads only the client address (``META``), which a Django request has too.
            if not throttle.allow_request(cast("Request", request), None):
                wait = max(1, math.ceil(throttle.wait() or 1))
                response = refused(request, wait)
                response.status_code = 429
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return wrapped
