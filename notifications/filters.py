"""Query-string filters of the inbox; bad values answer 400 naming the parameter."""

from django_filters import rest_framework as filters

from accounts.notification_kinds import NotificationKind
from audits.filters import InstantFilter

from .models import Notification


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="`true`: only unread ones; `false`: only read ones."
    )
    kind = filters.ChoiceFilter(choices=NotificationKind.choices)
    updated_since = InstantFilter(
        field_name="updated_at", lookup_expr="gt", label="Only notifications new or read after this instant."
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind", "updated_since"]
