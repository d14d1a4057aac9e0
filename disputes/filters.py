"""Query-string filters of the dispute list; bad values answer 400 naming the parameter."""

from django_filters import rest_framework as filters

from audits.filters import IdFilter, InstantFilter

from .models import Dispute, DisputeStatus


class DisputeFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DisputeStatus.choices)
    location = IdFilter(field_name="location_id")
    region = IdFilter(field_name="location__region_id")
    visit = filters.UUIDFilter(field_name="visit_id", label="Only this visit's disputes.")
    # ``from`` is a Python keyword: declared through the class namespace.
    locals()["from"] = filters.DateFilter(
        field_name="visit__local_date",
        lookup_expr="gte",
        label="The disputed visit's local date from, inclusive.",
    )
    to = filters.DateFilter(
        field_name="visit__local_date",
        lookup_expr="lte",
        label="The disputed visit's local date up to, inclusive.",
    )
    updated_since = InstantFilter(
        field_name="updated_at", lookup_expr="gt", label="Only disputes changed after this instant."
    )

    class Meta:
        model = Dispute
        fields = ["status", "location", "region", "visit", "from", "to", "updated_since"]
