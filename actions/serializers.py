"""Shapes of corrective actions as the contract names them.

Bodies are parsed here (strict: unknown fields are 400) and checked against the data by
``actions.services`` (scope, due date, visit and item). An action is rendered by
``actions.rendering.action_representation``, the same for every reader and for webhook events.
"""

from rest_framework import serializers

from accounts.serializers import StrictCharField, StrictIntegerField
from audits.filters import MAX_ID
from core.serializers import StrictSerializer
from photos.serializers import PhotoSerializer
from reports.serializers import LocationRefSerializer, ScopeQuerySerializer

from .models import ActionSource, ActionStatus, ActionStep
from .rendering import MAX_TEXT


def _title(**kwargs):
    return serializers.CharField(
        max_length=200, help_text="What must change, in a line (not blank).", **kwargs
    )


def _description(**kwargs):
    return StrictCharField(allow_blank=True, max_length=MAX_TEXT, help_text="Details.", **kwargs)


class ActionCreateSerializer(StrictSerializer):
    """The body of ``POST /actions/``: a manual action."""

    id = serializers.UUIDField(help_text="Made by the client; resending the same body is safe.")
    location = StrictIntegerField(min_value=1, max_value=MAX_ID, help_text="A location you manage.")
    title = _title()
    description = _description(required=False, default="")
    due_date = serializers.DateField(
        help_text="Today or later in the location's time zone, within five years."
    )
    visit = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A visit of that location the action follows up.",
    )
    item = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="An item of that visit's checklist (only with `visit`).",
    )


class ActionUpdateSerializer(StrictSerializer):
    """The body of ``PATCH /actions/{id}/``: any of title, description, due date."""

    title = _title(required=False)
    description = _description(required=False)
    due_date = serializers.DateField(required=False, help_text="Today or later (unless unchanged).")


class ResolveSerializer(StrictSerializer):
    resolution = StrictCharField(max_length=MAX_TEXT, help_text="What was changed (not blank).")


class VerifySerializer(StrictSerializer):
    comment = StrictCharField(required=False, allow_blank=True, default="", max_length=MAX_TEXT)


class ReopenSerializer(StrictSerializer):
    comment = StrictCharField(max_length=MAX_TEXT, help_text="What is still wrong (not blank).")
    due_date = serializers.DateField(
        required=False, help_text="A new due date (today or later); the old one is kept without it."
    )


class ActionSerializer(serializers.Serializer):
    """An action as served (documentation of ``action_representation``)."""

    id = serializers.UUIDField()
    location = serializers.IntegerField()
    visit = serializers.UUIDField(allow_null=True, help_text="The visit it follows up, if any.")
    item = serializers.CharField(allow_null=True, help_text="The checklist item it is about, if any.")
    # ``source`` is also a ``Field`` attribute: declared through the class namespace.
    locals()["source"] = serializers.ChoiceField(choices=ActionSource.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    due_date = serializers.DateField()
    overdue = serializers.BooleanField(help_text="Open after its due date in the location's time zone.")
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class HistoryActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class ActionHistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    step = serializers.ChoiceField(choices=ActionStep.choices)
    actor = HistoryActorSerializer(allow_null=True, help_text="Who did it; null for API keys.")
    actor_role = serializers.CharField(allow_null=True, help_text="Their role (`api_key` for a key).")
    comment = serializers.CharField(help_text="The resolution, verification or reopening comment.")
    changes = serializers.DictField(help_text='What changed, e.g. {"status": ["resolved", "open"]}.')


class ActionEvidenceSerializer(PhotoSerializer):
    visit = serializers.UUIDField(
        source="visit_id", allow_null=True, help_text="Always null: evidence is the action's."
    )
    action = serializers.UUIDField(source="action_id", help_text="The action this photo is evidence for.")

    class Meta(PhotoSerializer.Meta):
        fields = [*PhotoSerializer.Meta.fields, "action"]
        read_only_fields = fields


# --- the report -------------------------------------------------------------------------------


class ActionReportQuerySerializer(ScopeQuerySerializer):
    """``from``/``to`` and ``region`` or ``location``: actions have no checklist, visit status or texts
    to narrow by."""

    checklist = None  # type: ignore[assignment]  # DRF: None removes an inherited field
    status = None  # type: ignore[assignment]
    lang = None  # type: ignore[assignment]


class ActionFiguresSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Actions in the window (cancelled ones left out).")
    open = serializers.IntegerField(help_text="Of those, open now.")
    overdue = serializers.IntegerField(help_text="Of those, open past their due date now.")
    resolved = serializers.IntegerField(help_text="Of those, resolved and awaiting verification.")
    verified = serializers.IntegerField(help_text="Of those, verified.")
    on_time_rate = serializers.FloatField(
        allow_null=True,
        help_text="Resolved by their due date / (resolved or verified, plus open past their due date), "
        "in percent; null when none is due or done yet.",
    )
    median_days_to_verify = serializers.FloatField(
        allow_null=True, help_text="Median days from creation to verification of the verified ones."
    )


class _LocatedSerializer(serializers.Serializer):
    location = LocationRefSerializer()


# A location's figures; ``location`` comes first (the first base's fields lead), as served.
class ActionReportRowSerializer(_LocatedSerializer, ActionFiguresSerializer):
    pass


class RecurringItemSerializer(_LocatedSerializer):
    item = serializers.CharField(help_text="The checklist item's key.")
    failed_again = serializers.IntegerField(
        help_text="Critical failures of this item, in the window, in visits after an action for it was verified."
    )
    last_failed_on = serializers.DateField(help_text="The latest such visit's local date.")


class ActionReportSerializer(serializers.Serializer):
    overall = ActionFiguresSerializer()
    results = ActionReportRowSerializer(many=True)
    recurring = RecurringItemSerializer(many=True)
