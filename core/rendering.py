"""How the API spells values in JSON, shared by responses and webhook events."""

import datetime as dt
from typing import overload

from rest_framework.fields import DateTimeField

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
