"""Shapes of calibrations and of the agreement report (rendered from ``rendering``)."""

import datetime as dt

from rest_framework import serializers

from core.serializers import StrictSerializer
from reports.serializers import ReportDateField

MAX_ID = 2**63 - 1


class CalibrationCreateSerializer(StrictSerializer):
    id = serializers.UUIDField(help_text="Made by the client: the same id and body again answers 200.")
    location = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    checklist = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Its current version is used for every auditor."
    )
    auditors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=50,
        help_text="Two or more distinct active auditors of the organization; one assignment each.",
    )
    due_from = serializers.DateTimeField()
    due_until = serializers.DateTimeField()


class RatingSerializer(serializers.Serializer):
    auditor = serializers.IntegerField()
    value = serializers.JSONField(allow_null=True, help_text="The answer's value; null when N/A or missing.")
    item_score = serializers.FloatField(allow_null=True, help_text="0..1, four decimals; null when missing.")


class CalibrationItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    ratings = RatingSerializer(many=True)
    agree = serializers.BooleanField(
        allow_null=True, help_text="All item scores equal; null unless every auditor's visit scored the item."
    )


class AuditorDistanceSerializer(serializers.Serializer):
    auditor = serializers.IntegerField()
    visit = serializers.UUIDField()
    distance_from_consensus = serializers.FloatField(
        allow_null=True,
        help_text="Mean absolute difference between their item score and the median of the others'.",
    )


class CalibrationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    location = serializers.IntegerField()
    checklist = serializers.IntegerField()
    checklist_version = serializers.IntegerField(help_text="The version's number.")
    due_from = serializers.DateTimeField()
    due_until = serializers.DateTimeField()
    auditors = serializers.ListField(child=serializers.IntegerField())
    assignments = serializers.ListField(child=serializers.IntegerField(), help_text="One per auditor.")
    visits = serializers.IntegerField(
        required=False, help_text="Submitted or approved visits in so far (on create and on reading one)."
    )
    items = CalibrationItemSerializer(
        many=True,
        required=False,
        help_text="Per scored item, once 2+ visits are in (on create and on reading one).",
    )
    percent_agreement = serializers.FloatField(
        allow_null=True,
        required=False,
        help_text="Percent of scored items answered by all on which all agree.",
    )
    alpha = serializers.FloatField(
        allow_null=True,
        required=False,
        help_text="Krippendorff's alpha, items as units, auditors as coders, item scores as interval values; "
        "null where undefined. 0.800: reliable; 0.667: the lowest for tentative conclusions.",
    )
    per_auditor = AuditorDistanceSerializer(many=True, required=False)
    created_at = serializers.DateTimeField()


class AgreementQuerySerializer(serializers.Serializer):
    checklist = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = ReportDateField(
            required=False,
            help_text="Calibrations due from this date (UTC), inclusive; default: a year before `to`.",
        )
        fields["to"] = ReportDateField(
            required=False, help_text="Up to this date, inclusive; default: today."
        )
        return fields

    def validate(self, attrs):
        date_to = attrs.get("to") or dt.datetime.now(dt.UTC).date()
        date_from = attrs.get("from") or date_to - dt.timedelta(days=365)
        if date_from > date_to:
            raise serializers.ValidationError(
                {"to": ["`to` must not be before `from`."]}, code="invalid_window"
            )
        attrs["from"], attrs["to"] = date_from, date_to
        return attrs


class AgreementRowSerializer(serializers.Serializer):
    checklist = serializers.IntegerField()
    item = serializers.CharField()
    type = serializers.CharField(help_text="The item type.")
    level = serializers.ChoiceField(
        choices=["nominal", "ordinal", "interval"],
        help_text="Level of measurement: nominal for yes_no and choice, ordinal for scale, interval for number.",
    )
    calibrations = serializers.IntegerField(help_text="Calibrations with two or more answers to the item.")
    percent_agreement = serializers.FloatField(allow_null=True)
    alpha = serializers.FloatField(allow_null=True, help_text="Calibrations as units; null where undefined.")


class AgreementReportSerializer(serializers.Serializer):
    results = AgreementRowSerializer(many=True)
