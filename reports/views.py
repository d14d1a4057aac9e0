"""HTTP layer of the reports: parse the query with a serializer, call one selector, render.

Reports are plain JSON objects, not paginated: they are bounded by the number of periods,
locations or checklist items in the caller's scope. Auditors get 403 on every report and on the
export (they report visits, they do not read the organization's figures); staff read their own
locations' reports, never with auditor identities.
"""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import caller_of
from accounts.selectors import locations_visible_to, regions_visible_to
from core.exceptions import error_responses
from core.principal import principal_of
from core.replica import on_replica, replica_reads
from core.roles import API_KEY_ROLE, Role
from core.tenancy import get_scoped_or_404, shows_auditor_identity

from . import auditors, csv_export, selectors
from .serializers import (
    AuditorQuerySerializer,
    AuditorReportSerializer,
    ExportQuerySerializer,
    ItemPerformanceSerializer,
    PerceptionGapSerializer,
    RankingQuerySerializer,
    RankingSerializer,
    ScopeQuerySerializer,
    TrendQuerySerializer,
    TrendSerializer,
)

REPORT_READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF, API_KEY_ROLE})
AUDITOR_REPORT_READERS = frozenset({Role.ADMIN, Role.MANAGER})
TAGS = ["reports"]
ERRORS = error_responses(400, 401, 403, 429)


class ReportView(APIView):
    role_map = {"GET": REPORT_READERS, "HEAD": REPORT_READERS, "OPTIONS": REPORT_READERS}
    query_serializer_class: type = ScopeQuerySerializer

    def dispatch(self, request, *args, **kwargs):
        # Reports and exports only read: from the replica, when one is configured (core/replica.py).
        with replica_reads():
            return super().dispatch(request, *args, **kwargs)

    def parse_query(self):
        query = self.query_serializer_class(
            data=self.request.query_params, context={"principal": principal_of(self.request)}
        )
        query.is_valid(raise_exception=True)
        return query

    def language(self, query) -> selectors.Language:
        return selectors.Language(
            lang=query.validated_data.get("lang"), accept_language=self.request.headers.get("Accept-Language")
        )


class _TrendView(ReportView):
    query_serializer_class = TrendQuerySerializer

    def trend_for(self, **narrowing):
        query = self.parse_query()
        filters = query.filters(**narrowing)
        trend = selectors.trend(
            principal=principal_of(self.request), filters=filters, period=query.validated_data["period"]
        )
        return Response(TrendSerializer(trend).data)


TREND_EXAMPLE = OpenApiExample(
    "Monthly trend",
    value={
        "period": "month",
        "series": [
            {
                "period_start": "2026-09-01",
                "visits": 4,
                "average_score": 81.25,
                "pass_rate": 75.0,
                "sections": {"greeting": 90.0},
            },
            {
                "period_start": "2026-10-01",
                "visits": 0,
                "average_score": None,
                "pass_rate": None,
                "sections": {},
            },
        ],
    },
    response_only=True,
)


class LocationTrendView(_TrendView):
    @extend_schema(
        summary="Score trend of one location",
        description=(
            "Counted mystery visits (status submitted or approved; `status` narrows) per week, month or "
            "quarter of the location's local time. Every period in the window is listed, empty ones with "
            "`visits: 0` and null scores. 404 when the location is not in the caller's scope."
        ),
        parameters=[TrendQuerySerializer],
        responses={200: TrendSerializer, **ERRORS, **error_responses(404)},
        examples=[TREND_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, pk: int):
        location = get_scoped_or_404(locations_visible_to(caller_of(request)), pk=pk)
        return self.trend_for(location_id=location.pk)


class RegionTrendView(_TrendView):
    @extend_schema(
        summary="Score trend of one region",
        description=(
            "Like the location trend, over the region's locations the caller sees. Each visit falls in "
            "the period of its own location's local date, so a region spanning time zones mixes them "
            "correctly."
        ),
        parameters=[TrendQuerySerializer],
        responses={200: TrendSerializer, **ERRORS, **error_responses(404)},
        examples=[TREND_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, pk: int):
        region = get_scoped_or_404(regions_visible_to(caller_of(request)), pk=pk)
        return self.trend_for(region_id=region.pk)


class LocationRankingView(ReportView):
    query_serializer_class = RankingQuerySerializer

    @extend_schema(
        summary="Locations ranked by average score",
        description=(
            "Best first; ties go to more visits, then name A to Z; `rank` is the position from 1. "
            "Locations with no counted visit in the window are left out. `previous_average_score` covers "
            "the window of the same length just before `from` (null when it has no visits, `change` "
            "too); `change` is the difference of the two averages as shown. Default window: the 90 days "
            "up to today."
        ),
        parameters=[RankingQuerySerializer],
        responses={200: RankingSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Ranking",
                value={
                    "results": [
                        {
                            "rank": 1,
                            "location": {"id": 7, "code": "AMS-01", "name": "Amsterdam Centraal"},
                            "visits": 4,
                            "average_score": 88.5,
                            "previous_average_score": 80.0,
                            "change": 8.5,
                            "pass_rate": 75.0,
                        }
                    ]
                },
                response_only=True,
            )
        ],
        tags=TAGS,
    )
    def get(self, request):
        filters = self.parse_query().filters()
        rows = selectors.location_ranking(principal=caller_of(request), filters=filters)
        return Response(RankingSerializer({"results": rows}).data)


class ItemPerformanceView(ReportView):
    @extend_schema(
        summary="Checklist items, weakest first",
        description=(
            "Per checklist item: how many scored answers the counted visits gave it and their mean item "
            "score x 100. N/A and unscored answers are left out. Ties: more answers first, then item key."
        ),
        parameters=[ScopeQuerySerializer],
        responses={200: ItemPerformanceSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Items",
                value={
                    "results": [
                        {
                            "item": "upsell_offered",
                            "prompt": "Was a pastry offered?",
                            "section": "sales",
                            "checklist": 3,
                            "answers": 40,
                            "average_item_score": 42.5,
                        }
                    ]
                },
                response_only=True,
            )
        ],
        tags=TAGS,
    )
    def get(self, request):
        query = self.parse_query()
        rows = selectors.item_performance(
            principal=caller_of(request), filters=query.filters(), language=self.language(query)
        )
        return Response(ItemPerformanceSerializer({"results": rows}).data)


class PerceptionGapView(ReportView):
    @extend_schema(
        summary="Self-assessment against mystery visits",
        description=(
            "Per item the mean item score x 100 of self-assessments and of mystery visits (status "
            "submitted or approved), and `gap = self - mystery` (null where a kind has no answer); "
            "`overall` compares the mean visit scores of each kind. Items: largest gap first."
        ),
        parameters=[ScopeQuerySerializer],
        responses={200: PerceptionGapSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Gap",
                value={
                    "overall": {"self_assessment_score": 91.2, "mystery_score": 74.8, "gap": 16.4},
                    "results": [
                        {
                            "item": "greeted_within_30s",
                            "prompt": "Greeted within 30 seconds?",
                            "section": "greeting",
                            "checklist": 3,
                            "self_assessment_score": 95.0,
                            "mystery_score": 60.0,
                            "gap": 35.0,
                        }
                    ],
                },
                response_only=True,
            )
        ],
        tags=TAGS,
    )
    def get(self, request):
        query = self.parse_query()
        gap = selectors.perception_gap(
            principal=caller_of(request), filters=query.filters(), language=self.language(query)
        )
        return Response(PerceptionGapSerializer(gap).data)


class JSONErrorsNegotiation(BaseContentNegotiation):
    """The export answers CSV whatever the ``Accept`` header says; errors stay JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class VisitExportView(ReportView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsNegotiation
    query_serializer_class = ExportQuerySerializer

    @extend_schema(
        summary="Export visits as CSV (one row per answer)",
        operation_id="exports_visits_csv",
        description=(
            "Streamed `text/csv` (UTF-8, CRLF), same filters as the visit list, all optional. Columns, in "
            "this order: " + ", ".join(f"`{c}`" for c in csv_export.COLUMNS) + ", then `auditor` (username) "
            "for admins and managers only (with `lang`, the columns `prompt` and `value_label` come before it). `started_at` is UTC ISO 8601, `local_date` the location's date; "
            "`value` is `true`/`false`, a number or the text given; scores are rounded half up (visit two "
            "decimals, item four). Text starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` "
            "against formula injection. Rows: oldest visit first, answers in checklist order."
        ),
        parameters=[ExportQuerySerializer],
        responses={
            # Text, not binary: a generated client reads the body as a string (as it is: UTF-8 CSV).
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="The CSV stream."),
            **ERRORS,
        },
        tags=TAGS,
    )
    def get(self, request):
        query = self.parse_query()
        with_auditor = shows_auditor_identity(caller_of(request))
        lang = query.validated_data.get("lang")
        visits = selectors.export_visits(
            caller_of(request), query.filters(), with_auditor=with_auditor, with_version=lang is not None
        )
        texts = selectors.ExportTexts(lang) if lang is not None else None
        response = StreamingHttpResponse(
            on_replica(
                csv_export.stream_csv(selectors.iter_export(visits), with_auditor=with_auditor, texts=texts)
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="visits.csv"'
        response["Cache-Control"] = "no-store"
        return response


class AuditorReportView(ReportView):
    role_map = {
        "GET": AUDITOR_REPORT_READERS,
        "HEAD": AUDITOR_REPORT_READERS,
        "OPTIONS": AUDITOR_REPORT_READERS,
    }
    query_serializer_class = AuditorQuerySerializer
    api_key_may_read = False  # the report names auditors, which API keys never see

    @extend_schema(
        summary="Auditors compared with their peers (admins, managers)",
        description=(
            "Per auditor with a mystery visit in the window (any status): `visits`; `average_score` of "
            "their submitted and approved visits (`status` narrows); `peer_deviation`, the mean of (their "
            "visit's score - the mean score of other auditors' visits at the same location in the window), "
            "null where no other auditor was there; the percent of their visits ever returned, rejected, "
            "and carrying an integrity flag. `rating` is the auditor's rating (see auditor profiles). Best "
            "average first. API keys and staff are refused: this report names auditors."
        ),
        parameters=[AuditorQuerySerializer],
        responses={200: AuditorReportSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Auditors",
                value={
                    "results": [
                        {
                            "auditor": {"id": 12, "username": "otto", "display_name": "Otto B."},
                            "visits": 14,
                            "average_score": 81.25,
                            "peer_deviation": -6.4,
                            "return_rate": 7.14,
                            "reject_rate": 0.0,
                            "flag_rate": 21.43,
                            "rating": 7.4,
                        }
                    ]
                },
                response_only=True,
            )
        ],
        tags=TAGS,
    )
    def get(self, request):
        rows = auditors.auditor_report(principal=caller_of(request), filters=self.parse_query().filters())
        return Response(AuditorReportSerializer({"results": rows}).data)
