"""Language tags and their negotiation, shared by organization settings, checklists and reports.

A tag is a BCP 47 language tag as people write them (``en``, ``fr``, ``pt-BR``, ``zh-Hant``): a
primary ISO 639 language (two or three letters, checked against ``pycountry``) and optional
subtags. Tags are compared case-insensitively and stored in their conventional case.
``negotiate`` picks, among the languages a checklist version declares, the one a request asks for
(``?lang=`` first, then ``Accept-Language``), with the usual fallbacks (``fr-CA`` finds ``fr``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation.trans_real import parse_accept_lang_header

if TYPE_CHECKING:
    from rest_framework.request import Request

MAX_TAG_LENGTH = 35
_TAG = re.compile(r"^([A-Za-z]{2,3})((?:-[A-Za-z0-9]{1,8})*)$")


@lru_cache(maxsize=1)
def _primary_languages() -> frozenset[str]:
    codes = set()
    for language in pycountry.languages:
        for attr in ("alpha_2", "alpha_3"):
            code = getattr(language, attr, None)
            if code:
                codes.add(code)
    return frozenset(codes)


def canonical_tag(value: object) -> str | None:
    """The tag in conventional case (``pt-BR``, ``zh-Hant``), or None when it is not a language tag."""
    if not isinstance(value, str) or len(value) > MAX_TAG_LENGTH:
        return None
    match = _TAG.match(value)
    if match is None:
        return None
    primary = match.group(1).lower()
    if primary not in _primary_languages():
        return None
    parts = [primary]
    for sub in match.group(2).split("-")[1:]:
        if len(sub) == 2 and sub.isalpha():
            parts.append(sub.upper())  # region
        elif len(sub) == 4 and sub.isalpha():
            parts.append(sub.title())  # script
        else:
            parts.append(sub.lower())
    return "-".join(parts)


def is_language_tag(value: object) -> bool:
    return canonical_tag(value) is not None


def _match(wanted: str, available: list[str]) -> str | None:
    """Exact tag (any case), else the nearest shorter prefix (``fr-CA`` -> ``fr``), else None."""
    lowered = {tag.lower(): tag for tag in available}
    parts = wanted.lower().split("-")
    while parts:
        found = lowered.get("-".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


def negotiate(*, lang: str | None, accept_language: str | None, available: list[str]) -> str | None:
    """The declared language a request asks for (the default when none of its wishes is declared),
    or None when the request names no language at all.

    ``lang`` must already be a valid tag (the caller answers 400 otherwise). A malformed
    ``Accept-Language`` header is ignored, as HTTP content negotiation does.
    """
    if not available:
        return None
    if lang:
        return _match(lang, available) or available[0]
    if accept_language:
        asked = parse_accept_lang_header(accept_language[:500]) or ()
        for tag, _quality in asked:
            found = None if tag == "*" else _match(tag, available)
            if found is not None:
                return found
        if asked:
            return available[0]  # asked for languages the version lacks: its default
    return None


def lang_param(query_params: Mapping[str, Any]) -> str | None:
    """``?lang=`` as a canonical tag, None when absent; a malformed value is a 400 at ``lang``.

    Several ``lang`` values are refused too: a language is one choice.
    """

    values = query_params.getlist("lang") if hasattr(query_params, "getlist") else [query_params.get("lang")]
    values = [value for value in values if value is not None]
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError({"lang": ValidationError("Give one language.", code="multiple_values")})
    tag = canonical_tag(values[0])
    if tag is None:
        raise ValidationError(
            {
                "lang": ValidationError(
                    "Must be a language tag such as 'en', 'fr' or 'pt-BR'.", code="invalid_language"
                )
            }
        )
    return tag


def requested_language(request: Request, available: list[str]) -> str | None:
    """The declared language a request asks for (``?lang=``, else ``Accept-Language``), or None."""
    lang = lang_param(request.query_params)
    return negotiate(lang=lang, accept_language=request.headers.get("Accept-Language"), available=available)
