"""Query-string filters of the board and the payouts; bad values answer 400 naming the parameter."""

from django_filters import rest_framework as filters

from audits.filters import IdFilter, InstantFilter
from audits.models import Assignment

from .models import Payout, PayoutStatus


class JobFilter(filters.FilterSet):
    updated_since = InstantFilter(
        field_name="updated_at", lookup_expr="gt", label="Only jobs changed after this instant."
    )

    class Meta:
        model = Assignment
        fields = ["updated_since"]


class PayoutFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PayoutStatus.choices)
    auditor = IdFilter(field_name="auditor_id")

    class Meta:
        model = Payout
        fields = ["status", "auditor"]
