"""Query-string filters of the action list; bad values answer 400 naming the parameter."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from audits.filters import IdFilter, InstantFilter

from .models import Action, ActionSource, ActionStatus


class ActionFilter(filters.FilterSet):
    location = IdFilter(field_name="location_id")
    region = IdFilter(field_name="location__region_id")
    status = filters.ChoiceFilter(choices=ActionStatus.choices)
    source = filters.ChoiceFilter(choices=ActionSource.choices)
    # ``true``/``false`` only: anything else is a 400 (a boolean filter would read "maybe" as no filter).
    overdue = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_overdue",
        label="true: open past the due date; false: every other action.",
    )
    visit = filters.UUIDFilter(field_name="visit_id", label="Only this visit's actions.")
    updated_since = InstantFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label="Only actions changed after this instant (sync: the list is then ordered by updated_at).",
    )

    class Meta:
        model = Action
        fields = ["location", "region", "status", "source", "overdue", "visit", "updated_since"]

    def filter_overdue(self, queryset: QuerySet[Action], name: str, value: str) -> QuerySet[Action]:
        rule = Action.overdue_q(timezone.now())
        return queryset.filter(rule if value == "true" else ~Q(rule))
