"""How the API spells values in JSON, shared by responses and webhook events."""

import datetime as dt
from collections.abc import Callable
from typing import overload

from rest_framework.fields import DateTimeField
from rest_framework.settings import api_settings

# The API's one datetime format: DRF's field with the project's settings (UTC, ``Z`` suffix).
_datetime = DateTimeField()


@overload
def dt_representation(value: dt.datetime) -> str: ...
@overload
def dt_representation(value: None) -> None: ...
@overload
def dt_representation(value: dt.datetime | None) -> str | None: ...
def dt_representation(value: dt.datetime | None) -> str | None:
    """An aware datetime as the API writes it; ``None`` stays ``None``."""
    if value is None:
        return None
    text: str = _datetime.to_representation(value)
    return text


def dt_formatter() -> Callable[[dt.datetime | None], str | None]:
    """``dt_representation`` for many values in one response (a list's rows): the same text, with the
    settings and the current time zone read once. Anything but an aware datetime goes the long way."""
    zone = _datetime.default_timezone()
    if zone is None or getattr(_datetime, "format", api_settings.DATETIME_FORMAT).lower() != "iso-8601":
        return dt_representation

    def representation(value: dt.datetime | None) -> str | None:
        if value is None or type(value) is not dt.datetime or value.tzinfo is None:
            return dt_representation(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return dt_representation(value)  # DRF's error, as before
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return representation
