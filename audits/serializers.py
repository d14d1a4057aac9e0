"""Shapes of assignments, visits and their history, as the contract names them.

Output serializers declare every field (the OpenAPI document is generated from them) but render
visits with a hand-written ``to_representation``: a visit page renders thousands of answers and
the generic field machinery would dominate the request time: that rendering is
``audits.rendering.visit_representation``, which the webhook events reuse (``audits.events``).
"""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import money_text
from core.rendering import dt_representation
from core.serializers import MoneyField, StrictSerializer

from .filters import MAX_ID
from .integrity import FLAG_CODES
from .models import AssignmentStatus, HistoryAction, VisitKind, VisitStatus
from .rendering import visit_representation

# --- assignments ------------------------------------------------------------------------------


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    location = serializers.IntegerField(source="location_id", read_only=True)
    checklist = serializers.IntegerField(source="checklist_id", read_only=True)
    checklist_version = serializers.IntegerField(
        read_only=True,
        help_text="The checklist version's number (as in /checklists/{id}/versions/{number}/).",
    )
    auditor = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The auditor's user id; shown to admins and managers only, else null.",
    )
    due_from = serializers.DateTimeField(read_only=True)
    due_until = serializers.DateTimeField(read_only=True)
    fee = MoneyField(read_only=True, allow_null=True, help_text="Paid on approval; null: none.")
    expense_cap = MoneyField(read_only=True, allow_null=True, help_text="Most expenses a visit may declare.")
    min_rating = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Jobs: lowest rating to claim."
    )
    status = serializers.ChoiceField(choices=AssignmentStatus.choices, read_only=True)
    instructions = serializers.CharField(read_only=True)
    visit = serializers.UUIDField(read_only=True, allow_null=True, help_text="The visit made for it, if any.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, assignment):
        show_auditor = self.context.get("show_auditor", False)
        version = getattr(assignment, "version_number", None)
        if version is None:
            version = assignment.checklist_version.number
        return {
            "id": assignment.pk,
            "location": assignment.location_id,
            "checklist": assignment.checklist_id,
            "checklist_version": version,
            "auditor": assignment.auditor_id if show_auditor else None,
            "due_from": dt_representation(assignment.due_from),
            "due_until": dt_representation(assignment.due_until),
            "fee": money_text(assignment.fee),
            "expense_cap": money_text(assignment.expense_cap),
            "min_rating": None if assignment.min_rating is None else float(assignment.min_rating),
            "status": assignment.status,
            "instructions": assignment.instructions,
            "visit": str(assignment.visit_uuid) if getattr(assignment, "visit_uuid", None) else None,
            "created_at": dt_representation(assignment.created_at),
            "updated_at": dt_representation(assignment.updated_at),
        }


class AssignmentCreateSerializer(StrictSerializer):
    # Bounded like every id column: beyond 64 bits SQLite raises instead of finding nothing.
    location = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    checklist = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    checklist_version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="Version number; default: the current version.",
    )
    auditor = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="An active auditor of the organization; left out or null, the assignment is a job "
        "on the board that an eligible auditor claims.",
    )
    due_from = serializers.DateTimeField()
    due_until = serializers.DateTimeField()
    instructions = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    fee = MoneyField(
        required=False, allow_null=True, default=None, help_text="Paid on approval, in `currency`."
    )
    expense_cap = MoneyField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The most a visit may declare as expenses; null: no expenses.",
    )
    min_rating = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        min_value=Decimal(0),
        max_value=Decimal(10),
        coerce_to_string=False,
        required=False,
        allow_null=True,
        default=None,
        help_text="Jobs only: the lowest auditor rating that may claim it (0-10, one decimal).",
    )
    currency = serializers.CharField(
        required=False,
        max_length=3,
        help_text="When given, must be the organization's currency (400 `currency_mismatch` otherwise).",
    )


class AssignmentUpdateSerializer(StrictSerializer):
    due_from = serializers.DateTimeField(required=False)
    due_until = serializers.DateTimeField(required=False)
    instructions = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    status = serializers.ChoiceField(
        choices=[("cancelled", "Cancelled")], required=False, help_text="Only `cancelled` may be set."
    )


# --- visits -----------------------------------------------------------------------------------


class PositionSerializer(serializers.Serializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(min_value=0, required=False, allow_null=True)


class PositionInSerializer(PositionSerializer):
    mock = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="True when the phone's location provider is a mock (flags the visit `mock_location`).",
    )


class ExpensesSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text='A decimal string in the organization\'s currency ("12.50").')
    note = serializers.CharField(allow_blank=True)


class ExpensesInSerializer(ExpensesSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    currency = serializers.CharField(
        required=False, help_text="When given, must be the organization's currency (400 otherwise)."
    )


class AnswerInSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="The item's key.")
    value = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="yes_no: boolean; scale: integer in range; choice: option key; number: number; "
        "text: string; photo: none.",
    )
    na = serializers.BooleanField(required=False, default=False, help_text="Not applicable (where allow_na).")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class VisitSubmitSerializer(serializers.Serializer):
    """The body of ``POST /visits/`` (and ``PUT /visits/{id}/``), documented; parsed by the service."""

    id = serializers.UUIDField(help_text="Made by the phone; resending the same body is safe.")
    assignment = serializers.IntegerField(
        required=False, allow_null=True, help_text="Required for mystery visits; none for self-assessments."
    )
    location = serializers.IntegerField(
        required=False, help_text="Required for self-assessments; must match the assignment's otherwise."
    )
    checklist = serializers.IntegerField(
        required=False, help_text="Required for self-assessments; must match the assignment's otherwise."
    )
    checklist_version = serializers.IntegerField(
        required=False,
        help_text="Version number; default: the assignment's version, or the checklist's current one.",
    )
    kind = serializers.ChoiceField(choices=VisitKind.choices)
    started_at = serializers.DateTimeField(help_text="With a UTC offset; at most 5 minutes in the future.")
    ended_at = serializers.DateTimeField(help_text="After started_at.")
    position = PositionInSerializer(required=False, allow_null=True)
    answers = AnswerInSerializer(many=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    expenses = ExpensesInSerializer(
        required=False,
        allow_null=True,
        help_text='For a job with an `expense_cap`: at most that; a photo with `item: "receipt"` must '
        "then be added before the visit can be approved.",
    )


class SectionScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    score = serializers.FloatField(
        allow_null=True, help_text="0..100, two decimals; null when nothing scored."
    )


class AnswerSerializer(serializers.Serializer):
    item = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    na = serializers.BooleanField()
    comment = serializers.CharField()
    score = serializers.FloatField(
        allow_null=True, help_text="0..1, four decimals; null when unscored or N/A."
    )


class PhotoMissingSerializer(serializers.Serializer):
    item = serializers.CharField()
    missing = serializers.IntegerField(min_value=1)


class VisitFlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[(code, code) for code in FLAG_CODES])
    detail = serializers.CharField(help_text="What raised the flag, in words.")


class VisitSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    assignment = serializers.IntegerField(allow_null=True)
    location = serializers.IntegerField()
    checklist = serializers.IntegerField()
    checklist_version = serializers.IntegerField(help_text="The checklist version's number.")
    kind = serializers.ChoiceField(choices=VisitKind.choices)
    status = serializers.ChoiceField(choices=VisitStatus.choices)
    auditor = serializers.IntegerField(
        allow_null=True, help_text="Who submitted it (user id): shown to admins and managers only, else null."
    )
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    position = PositionSerializer(allow_null=True)
    notes = serializers.CharField()
    expenses = ExpensesSerializer(allow_null=True, help_text="Expenses declared for a job, or null.")
    score = serializers.FloatField(allow_null=True, help_text="0..100, two decimals, half up.")
    original_score = serializers.FloatField(
        allow_null=True,
        help_text="The score before an upheld dispute first changed it; null while no dispute was upheld.",
    )
    passed = serializers.BooleanField()
    critical_failures = serializers.ListField(child=serializers.CharField(), help_text="Item keys.")
    sections = SectionScoreSerializer(many=True)
    answers = AnswerSerializer(many=True)
    photos_missing = PhotoMissingSerializer(many=True)
    hidden_items = serializers.ListField(
        child=serializers.CharField(),
        help_text="Item keys hidden by their (or their section's) show_if given the answers, in checklist "
        "order: they take no answer, need no photos and are left out of scoring like N/A.",
    )
    unanswered_items = serializers.ListField(
        child=serializers.CharField(),
        help_text="Shown items without an answer, left out of scoring: only a re-score can make them (an "
        "answer change revealing an item); a submission must answer every shown item.",
    )
    off_site = serializers.BooleanField()
    outside_window = serializers.BooleanField()
    flags = VisitFlagSerializer(
        many=True,
        help_text="Integrity flags for reviewers, kept current as photos arrive (README: Integrity and "
        "calibration).",
    )
    risk = serializers.IntegerField(help_text="The number of flags.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, visit):
        return visit_representation(visit, show_auditor=self.context.get("show_auditor", False))


class ReviewSerializer(StrictSerializer):
    decision = serializers.ChoiceField(
        choices=[("approve", "approve"), ("return", "return"), ("reject", "reject")]
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="Required to return a visit."
    )


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


@extend_schema_field(OpenApiTypes.OBJECT)
class ChangesField(serializers.JSONField):
    pass


class VisitHistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=HistoryAction.choices)
    actor = ActorSerializer(
        allow_null=True,
        help_text="Who did it; null for API keys, and for staff and API keys whenever it was the visit's auditor.",
    )
    changes = ChangesField(
        help_text='What changed, e.g. {"status": ["submitted", "returned"], "comment": "...", "score": [72.5, 90.0]}.'
    )

    def to_representation(self, entry):
        hide_auditor = self.context.get("hide_auditor", True)
        auditor_id = self.context.get("auditor_id")
        actor = None
        if entry.actor_id is not None and not (hide_auditor and entry.actor_id == auditor_id):
            user = entry.actor
            actor = {"id": user.pk, "display_name": user.display_name or user.username}
        return {
            "at": dt_representation(entry.at),
            "action": entry.action,
            "actor": actor,
            "changes": entry.changes,
        }
