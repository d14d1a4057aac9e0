"""How the API spells values in JSON, shared by responses and webhook events."""

from rest_framework.fields import DateTimeField

# The API's one datetime format: DRF's field with the project's settings (UTC, ``Z`` suffix).
_datetime = DateTimeField()


def dt_representation(value):
    """An aware datetime as the API writes it; ``None`` stays ``None``."""
    return None if value is None else _datetime.to_representation(value)
