"""Query parameters and response shapes of the reports.

Query parameters are parsed by serializers so that every bad value answers 400 in the error
shape with ``attr`` set to the parameter's name. Ids are resolved within the caller's scope: an
id the caller may not see is reported exactly like one that does not exist.
"""

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from accounts.selectors import locations_visible_to, regions_visible_to
from audits.models import VisitKind, VisitStatus
from audits.periods import PERIODS, period_start
from audits.submission import MAX_YEAR, MIN_YEAR
from checklists.selectors import checklists_visible_to
from core.languages import canonical_tag
from core.principal import Principal

from . import selectors

MAX_WINDOW_DAYS = 3 * 366  # "at most three years", leap days included
DEFAULT_WINDOW_DAYS = 90  # ranking, item performance, perception gap
DEFAULT_TREND_PERIODS = 12  # trends: the current period and the eleven before it
# The latest calendar date anywhere (UTC+14): a visit already made in Tokyo is never cut off.
_LATEST_ZONE = dt.timezone(dt.timedelta(hours=14))


def today() -> dt.date:
    return timezone.now().astimezone(_LATEST_ZONE).date()


class ReportDateField(serializers.DateField):
    """A window's date. Visits exist only between the years ``MIN_YEAR`` and ``MAX_YEAR``, so a
    report date outside them is refused: every window derived from it (defaults, the ranking's
    previous window, a trend's last period) then stays well inside the calendar."""

    default_error_messages = {
        "date_out_of_range": f"Must fall between the years {MIN_YEAR} and {MAX_YEAR} (as visits do)."
    }

    def to_internal_value(self, value):
        date = super().to_internal_value(value)
        if not MIN_YEAR <= date.year <= MAX_YEAR:
            self.fail("date_out_of_range")
        return date


class ScopedIdField(serializers.IntegerField):
    """An id resolved within the caller's scope (``queryset`` is set per request by ``_ScopedIds``);
    missing and out-of-scope ids both answer "does not exist"."""

    default_error_messages = {"does_not_exist": "No such {name} (or not yours)."}

    def __init__(self, **kwargs: Any) -> None:
        self.queryset: QuerySet[Any] | None = None
        super().__init__(min_value=1, max_value=2**63 - 1, required=False, **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        pk = super().run_validation(data)  # an integer within range, or an "invalid" error
        if pk is None:
            return None
        found = self.queryset.filter(pk=pk).first() if self.queryset is not None else None
        if found is None:
            self.fail("does_not_exist", name=self.field_name)
        return found


def _scoped_pk_field(**kwargs) -> ScopedIdField:
    return ScopedIdField(**kwargs)


if TYPE_CHECKING:
    # The mixin goes before a serializer class: type-check it as one (at run time it is plain).
    _SerializerBase = serializers.Serializer[Any]
else:
    _SerializerBase = object


class _ScopedIds(_SerializerBase):
    """Resolve ``checklist``/``region``/``location`` within the caller's scope."""

    scoped_fields: ClassVar[dict[str, Callable[[Principal], QuerySet[Any]]]] = {
        "checklist": checklists_visible_to,
        "region": regions_visible_to,
        "location": locations_visible_to,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        principal = self.context.get("principal")
        if principal is None:  # the schema generator inspecting us: the fields' empty querysets stay
            return
        for name, visible in self.scoped_fields.items():
            field = self.fields.get(name)
            if isinstance(field, ScopedIdField):
                field.queryset = visible(principal)


class WindowQuerySerializer(_ScopedIds, serializers.Serializer):
    """``from``/``to`` (inclusive local dates), ``checklist`` and ``status``."""

    checklist = _scoped_pk_field(help_text="Only visits made with this checklist.")
    status = serializers.ChoiceField(
        choices=[VisitStatus.SUBMITTED, VisitStatus.APPROVED],
        required=False,
        help_text="Narrow to visits with this status (default: submitted and approved).",
    )
    default_days = DEFAULT_WINDOW_DAYS

    def get_fields(self):
        fields = super().get_fields()
        # ``from`` is a Python keyword: declare the pair here.
        fields["from"] = ReportDateField(
            required=False,
            help_text=f"First local date (inclusive); default: {self.default_days} days before `to`. "
            f"Years {MIN_YEAR} to {MAX_YEAR}.",
        )
        fields["to"] = ReportDateField(
            required=False,
            help_text="Last local date (inclusive); default: today (UTC+14, the latest date anywhere). "
            f"Years {MIN_YEAR} to {MAX_YEAR}.",
        )
        return fields

    def default_from(self, date_to: dt.date, attrs: dict) -> dt.date:
        return date_to - dt.timedelta(days=self.default_days - 1)

    def validate(self, attrs):
        date_to = attrs.get("to") or today()
        date_from = attrs.get("from") or self.default_from(date_to, attrs)
        if date_from > date_to:
            raise serializers.ValidationError(
                {"to": ["`to` must not be before `from`."]}, code="invalid_window"
            )
        if (date_to - date_from).days + 1 > MAX_WINDOW_DAYS:
            raise serializers.ValidationError(
                {"from": [f"The window may span at most {MAX_WINDOW_DAYS} days (three years)."]},
                code="window_too_long",
            )
        attrs["from"], attrs["to"] = date_from, date_to
        return attrs

    def filters(self, **narrowing) -> selectors.ReportFilters:
        """The parsed window; ``narrowing`` (``region_id``/``location_id`` from the path) wins."""
        data = self.validated_data
        fields = {
            "checklist_id": data["checklist"].pk if data.get("checklist") else None,
            "region_id": data["region"].pk if data.get("region") else None,
            "location_id": data["location"].pk if data.get("location") else None,
            **narrowing,
        }
        return selectors.ReportFilters(
            date_from=data["from"], date_to=data["to"], status=data.get("status"), **fields
        )


class TrendQuerySerializer(WindowQuerySerializer):
    period = serializers.ChoiceField(
        choices=PERIODS, default="month", help_text="Bucket size; weeks start on Monday."
    )

    def default_from(self, date_to, attrs):
        period = attrs.get("period", "month")
        start = period_start(date_to, period)
        for _ in range(DEFAULT_TREND_PERIODS - 1):
            start = period_start(start - dt.timedelta(days=1), period)
        return start

    def get_fields(self):
        fields = super().get_fields()
        fields["from"].help_text = (
            f"First local date (inclusive); default: the start of the period {DEFAULT_TREND_PERIODS - 1} "
            f"periods before the one holding `to`. Years {MIN_YEAR} to {MAX_YEAR}."
        )
        return fields


class LangField(serializers.CharField):
    """``?lang=``: a language tag, returned in its conventional case; anything else is a 400."""

    default_error_messages = {"invalid_language": "Must be a language tag such as 'en', 'fr' or 'pt-BR'."}

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=35, **kwargs)

    def to_internal_value(self, data):
        tag = canonical_tag(super().to_internal_value(data))
        if tag is None:
            self.fail("invalid_language")
        return tag


class ScopeQuerySerializer(WindowQuerySerializer):
    region = _scoped_pk_field(help_text="Only this region's locations.")
    location = _scoped_pk_field(help_text="Only this location.")
    lang = LangField(
        help_text="Language of the item prompts (`fr`, `pt-BR`): each checklist's best-matching declared "
        "language, else its default. Without it, `Accept-Language` is used the same way."
    )


class RankingQuerySerializer(WindowQuerySerializer):
    region = _scoped_pk_field(help_text="Only this region's locations.")


class ExportQuerySerializer(_ScopedIds, serializers.Serializer):
    """The visit-list filters; all optional, no default window."""

    location = _scoped_pk_field()
    region = _scoped_pk_field()
    checklist = _scoped_pk_field()
    kind = serializers.ChoiceField(choices=VisitKind.choices, required=False)
    status = serializers.ChoiceField(choices=VisitStatus.choices, required=False)
    lang = LangField(
        help_text="Adds the columns `prompt` and `value_label` (a choice's option label) before `auditor`, "
        "in this language (each checklist version's best match, else its default)."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, help_text="First local date (inclusive).")
        fields["to"] = serializers.DateField(required=False, help_text="Last local date (inclusive).")
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError(
                {"to": ["`to` must not be before `from`."]}, code="invalid_window"
            )
        return attrs

    def filters(self) -> selectors.ExportFilters:
        data = self.validated_data
        return selectors.ExportFilters(
            date_from=data.get("from"),
            date_to=data.get("to"),
            location_id=data["location"].pk if data.get("location") else None,
            region_id=data["region"].pk if data.get("region") else None,
            kind=data.get("kind"),
            status=data.get("status"),
            checklist_id=data["checklist"].pk if data.get("checklist") else None,
        )


# --- responses: each renders the rows its selector returns (``selectors.Trend``, ``RankingRow``...),
# so the documented schema and the served JSON come from these declarations alone
# (tests/reports/test_response_schema.py holds them to it).


class TrendPointSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    visits = serializers.IntegerField()
    average_score = serializers.FloatField(allow_null=True)
    pass_rate = serializers.FloatField(allow_null=True)
    sections = serializers.DictField(child=serializers.FloatField(allow_null=True))


class TrendSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PERIODS)
    series = TrendPointSerializer(many=True)


class LocationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    location = LocationRefSerializer()
    visits = serializers.IntegerField()
    average_score = serializers.FloatField(allow_null=True)
    previous_average_score = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    pass_rate = serializers.FloatField(allow_null=True)


class RankingSerializer(serializers.Serializer):
    results = RankingRowSerializer(many=True)


class ItemPerformanceRowSerializer(serializers.Serializer):
    item = serializers.CharField()
    prompt = serializers.CharField()
    section = serializers.CharField()
    checklist = serializers.IntegerField(help_text="The checklist the item belongs to.")
    answers = serializers.IntegerField()
    average_item_score = serializers.FloatField(help_text="Mean item score x 100, two decimals.")


class ItemPerformanceSerializer(serializers.Serializer):
    results = ItemPerformanceRowSerializer(many=True)


class GapSerializer(serializers.Serializer):
    self_assessment_score = serializers.FloatField(allow_null=True)
    mystery_score = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True, help_text="self_assessment_score - mystery_score")


class GapItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    prompt = serializers.CharField()
    section = serializers.CharField()
    checklist = serializers.IntegerField()
    self_assessment_score = serializers.FloatField(allow_null=True)
    mystery_score = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True, help_text="self_assessment_score - mystery_score")


class PerceptionGapSerializer(serializers.Serializer):
    overall = GapSerializer()
    results = GapItemSerializer(many=True)


# --- auditors (integrity) ----------------------------------------------------------------------


class AuditorQuerySerializer(WindowQuerySerializer):
    region = _scoped_pk_field(help_text="Only this region's locations.")
    location = _scoped_pk_field(help_text="Only this location.")


class AuditorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class AuditorRowSerializer(serializers.Serializer):
    auditor = AuditorRefSerializer()
    visits = serializers.IntegerField(help_text="Their mystery visits in the window, whatever their status.")
    average_score = serializers.FloatField(
        allow_null=True, help_text="Mean score of their submitted and approved visits."
    )
    peer_deviation = serializers.FloatField(
        allow_null=True,
        help_text="Mean of (their visit's score - the mean score of other auditors' visits at the same "
        "location in the window); null when no other auditor visited their locations.",
    )
    return_rate = serializers.FloatField(allow_null=True, help_text="Percent of their visits ever returned.")
    reject_rate = serializers.FloatField(allow_null=True, help_text="Percent of their visits rejected.")
    flag_rate = serializers.FloatField(allow_null=True, help_text="Percent of their visits with a flag.")
    rating = serializers.FloatField(
        allow_null=True,
        help_text="The auditor's rating (0-10, one decimal), as on their profile (/api/v1/auditors/{id}/).",
    )


class AuditorReportSerializer(serializers.Serializer):
    results = AuditorRowSerializer(many=True)
