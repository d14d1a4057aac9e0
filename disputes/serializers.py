"""Shapes of disputes as the contract names them.

Request bodies are parsed by ``disputes.services`` (every problem at once, with its path); the
serializers here document them. A dispute is rendered by ``disputes.rendering.dispute_representation``, the same for
every reader and for webhook events: it never says who opened or decided it (only
``created_by_role``) nor who audited the visit.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.roles import API_KEY_ROLE, Role
from core.serializers import StrictSerializer
from photos.serializers import PhotoSerializer
from reports.serializers import LocationRefSerializer

from .models import DisputeStatus, ItemDecision
from .rendering import MAX_TEXT, dispute_representation


@extend_schema_field(
    {
        "description": "yes_no: boolean; scale: integer in range; choice: option key; number: number; "
        "null with `na: true`.",
        "nullable": True,
    }
)
class AnyValueField(serializers.JSONField):
    pass


class ProposedSerializer(StrictSerializer):
    value = AnyValueField(required=False, allow_null=True)
    na = serializers.BooleanField(required=False, default=False, help_text="Not applicable (where allow_na).")


class DisputeItemInSerializer(StrictSerializer):
    item = serializers.CharField(help_text="Key of a scored, visible item of the visit, not disputed before.")
    reason = serializers.CharField(max_length=MAX_TEXT, help_text="Why the answer is wrong (not blank).")
    proposed = ProposedSerializer(help_text="The answer the location says is right; must fit the item.")


class DisputeOpenSerializer(StrictSerializer):
    """The body of ``POST /visits/{id}/disputes/`` (documented; parsed by the service)."""

    id = serializers.UUIDField(help_text="Made by the client; resending the same body is safe.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, default="")
    # With many=True DRF hands ``min_length`` to the list serializer; the stubs' signature lacks it.
    items = DisputeItemInSerializer(  # type: ignore[call-arg]
        many=True, min_length=1, help_text="At least one item, each once."
    )


class DecisionItemSerializer(StrictSerializer):
    item = serializers.CharField(help_text="A disputed item's key.")
    decision = serializers.ChoiceField(choices=ItemDecision.choices)


class DisputeDecisionSerializer(StrictSerializer):
    """The body of ``POST /disputes/{id}/decision/``: every disputed item, decided at once."""

    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, default="")
    items = DecisionItemSerializer(many=True, min_length=1)  # type: ignore[call-arg]  # as above


class AnswerValueSerializer(serializers.Serializer):
    value = AnyValueField(allow_null=True)
    na = serializers.BooleanField()


class OriginalAnswerSerializer(AnswerValueSerializer):
    score = serializers.FloatField(
        allow_null=True, help_text="Item score 0..1, four decimals; null when N/A."
    )


class DisputeItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    reason = serializers.CharField()
    proposed = AnswerValueSerializer()
    original = OriginalAnswerSerializer(help_text="The visit's answer when the dispute was opened.")
    decision = serializers.ChoiceField(
        choices=ItemDecision.choices, allow_null=True, help_text="null while the dispute is open."
    )


class DisputeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    visit = serializers.UUIDField()
    location = serializers.IntegerField()
    status = serializers.ChoiceField(choices=DisputeStatus.choices)
    items = DisputeItemSerializer(many=True)
    comment = serializers.CharField()
    opened_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_comment = serializers.CharField()
    created_by_role = serializers.ChoiceField(
        choices=[
            (role, role) for role in (Role.ADMIN.value, Role.MANAGER.value, Role.STAFF.value, API_KEY_ROLE)
        ],
        help_text="The role of whoever opened it; who it was is never shown.",
    )
    updated_at = serializers.DateTimeField()

    def to_representation(self, dispute):
        return dispute_representation(dispute)


class EvidenceSerializer(PhotoSerializer):
    dispute = serializers.UUIDField(source="dispute_id", help_text="The dispute this photo is evidence for.")

    class Meta(PhotoSerializer.Meta):
        fields = [*PhotoSerializer.Meta.fields, "dispute"]
        read_only_fields = fields


# --- the report -------------------------------------------------------------------------------


class DisputeFiguresSerializer(serializers.Serializer):
    visits = serializers.IntegerField(help_text="Mystery visits that trends count.")
    disputes = serializers.IntegerField(help_text="Disputes of those visits.")
    dispute_rate = serializers.FloatField(allow_null=True, help_text="disputes / visits, in percent.")
    decided = serializers.IntegerField(help_text="Disputes decided (any outcome).")
    upheld = serializers.IntegerField(help_text="Disputes decided `upheld` or `partially_upheld`.")
    upheld_rate = serializers.FloatField(allow_null=True, help_text="upheld / decided, in percent.")
    median_hours_to_decision = serializers.FloatField(
        allow_null=True, help_text="Median of decided disputes' hours from opening to decision."
    )


class _LocatedSerializer(serializers.Serializer):
    location = LocationRefSerializer()


# A location's figures; ``location`` comes first (the first base's fields lead), as served.
class DisputeReportRowSerializer(_LocatedSerializer, DisputeFiguresSerializer):
    pass


class DisputeReportSerializer(serializers.Serializer):
    overall = DisputeFiguresSerializer()
    results = DisputeReportRowSerializer(many=True)
