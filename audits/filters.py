"""Query-string filters of the assignment and visit lists; bad values answer 400 naming the parameter."""

import datetime as dt
import re

from django import forms
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from .integrity import FLAG_CODES
from .models import Assignment, AssignmentStatus, Visit, VisitKind, VisitStatus

MAX_ID = 2**63 - 1
ORDER_BY_RISK = "-risk"


class InstantField(forms.Field):
    """An ISO 8601 instant. A ``+hh:mm`` offset whose ``+`` arrived as a space (unencoded in a
    query string) is read as meant; an instant with no offset is taken as UTC."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = re.sub(r" (\d{2}(:?\d{2})?)$", r"+\1", str(value).strip())
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(
                "An ISO 8601 datetime is required, e.g. 2026-11-20T10:00:00Z.", code="invalid"
            )
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("The datetime is out of range.", code="invalid")


class IdField(forms.IntegerField):
    """Digits only: Django's integer field would also take ``7.0`` or ``1e3``-like spellings."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            raise forms.ValidationError("An id is a whole number of digits.", code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An id (1 to 2^63-1); documented as such, not as a ``number`` (generated clients take floats)."""

    # Ids are integers; the stubs pin a NumberFilter's form field to decimals.
    field_class = IdField  # type: ignore[assignment]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class InstantFilter(filters.Filter):
    field_class = InstantField


class AssignmentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AssignmentStatus.choices)
    updated_since = InstantFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label="Only assignments changed after this instant (cancelled and expired ones included).",
    )
    location = IdFilter(field_name="location_id")

    class Meta:
        model = Assignment
        fields = ["status", "updated_since", "location"]


class VisitFilter(filters.FilterSet):
    location = IdFilter(field_name="location_id")
    region = IdFilter(field_name="location__region_id")
    checklist = IdFilter(field_name="checklist_id")
    kind = filters.ChoiceFilter(choices=VisitKind.choices)
    status = filters.ChoiceFilter(choices=VisitStatus.choices)
    # ``from`` is a Python keyword: declared through the class namespace.
    locals()["from"] = filters.DateFilter(
        field_name="local_date",
        lookup_expr="gte",
        label="Local date (in the location's zone) from, inclusive.",
    )
    to = filters.DateFilter(field_name="local_date", lookup_expr="lte", label="Local date up to, inclusive.")
    flag = filters.ChoiceFilter(
        choices=[(code, code) for code in FLAG_CODES],
        method="filter_flag",
        label="Only visits carrying this integrity flag.",
    )
    ordering = filters.ChoiceFilter(
        choices=[(ORDER_BY_RISK, ORDER_BY_RISK), ("-started_at", "-started_at")],
        method="filter_ordering",
        label="`-risk`: the review queue, most flags first (then latest first); `-started_at` (default): "
        "latest first.",
    )

    class Meta:
        model = Visit
        fields = ["location", "region", "checklist", "kind", "status", "from", "to", "flag", "ordering"]

    def filter_flag(self, queryset, name, value):
        # One row per (visit, code): the join never repeats a visit; indexed on (code, visit).
        return queryset.filter(flag_rows__code=value)

    def filter_ordering(self, queryset, name, value):
        return queryset  # the pagination orders (``audits.views.VisitPagination``)
