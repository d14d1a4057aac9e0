"""Query-string filters of the inbox; bad values answer 400 naming the parameter."""

from typing import Any

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.notification_kinds import NotificationKind
from audits.filters import InstantFilter

from .models import Notification


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (also ``1``/``0``); anything else is a 400, not silently ignored."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Must be true or false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField  # type: ignore[assignment]  # the stubs pin a NullBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # django-filter's BooleanWidget reads any unknown word as "not given"; take the text as sent.
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


class NotificationFilter(filters.FilterSet):
    unread = StrictBooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="`true`: only unread ones; `false`: only read ones."
    )
    kind = filters.ChoiceFilter(choices=NotificationKind.choices)
    updated_since = InstantFilter(
        field_name="updated_at", lookup_expr="gt", label="Only notifications new or read after this instant."
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind", "updated_since"]
