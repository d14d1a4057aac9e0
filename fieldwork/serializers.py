"""Shapes of fieldwork as the contract names them: profiles, qualifications, jobs, payouts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from accounts.serializers import StrictCharField, StrictIntegerField
from audits.filters import MAX_ID
from core.money import money_text
from core.rendering import dt_formatter
from core.serializers import MoneyField, StrictSerializer

from .events import payout_representation
from .models import PayoutStatus

MAX_RADIUS_KM = 1000


class HomeSerializer(StrictSerializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)

    def to_internal_value(self, data: Any) -> Any:
        # JSON numbers only: "52.1" and true are not coordinates.
        if isinstance(data, dict):
            wrong = {
                name: [serializers.ErrorDetail("A number is required.", code="invalid")]
                for name in ("latitude", "longitude")
                if name in data and (isinstance(data[name], bool) or not isinstance(data[name], int | float))
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


class AuditorProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The auditor's user id.")
    display_name = serializers.CharField()
    home = HomeSerializer(
        allow_null=True, help_text="Where the auditor's travel starts; null: unset (no jobs)."
    )
    travel_radius_km = serializers.IntegerField()
    rating = serializers.FloatField(
        help_text="(3 x 5 + sum of points) / (3 + n) over the last n <= 20 decided mystery visits, one "
        "decimal, half up: approved 10, approved after a return 7, rejected 0, minus 2 per upheld "
        "disputed item (never below 0)."
    )
    qualifications = serializers.ListField(child=serializers.CharField(), help_text="Codes held.")
    decided_visits = serializers.IntegerField(help_text="Approved or rejected mystery visits, in all.")

    def to_representation(self, profile: Any) -> dict[str, Any]:
        home = None
        if profile.home_latitude is not None and profile.home_longitude is not None:
            home = {"latitude": profile.home_latitude, "longitude": profile.home_longitude}
        return {
            "id": profile.user.pk,
            "display_name": profile.user.display_name,
            "home": home,
            "travel_radius_km": profile.travel_radius_km,
            "rating": float(profile.rating),
            "qualifications": list(profile.qualifications),
            "decided_visits": profile.decided_visits,
        }


class AuditorProfileUpdateSerializer(StrictSerializer):
    home = HomeSerializer(required=False, allow_null=True)
    travel_radius_km = StrictIntegerField(required=False, min_value=1, max_value=MAX_RADIUS_KM)


class QualificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.RegexField(r"^[A-Za-z0-9_.-]{1,50}$", help_text="Letters, digits, `_`, `.`, `-`.")
    name = serializers.CharField(max_length=200)


class QualificationCreateSerializer(StrictSerializer):
    code = StrictCharField(
        max_length=50,
        validators=[RegexValidator(r"^[A-Za-z0-9_.-]+$", code="invalid")],
        help_text="Letters, digits, `_`, `.`, `-`.",
    )
    name = StrictCharField(max_length=200)


class JobLocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The assignment's id: claim it at /jobs/{id}/claim/.")
    location = JobLocationSerializer()
    checklist = serializers.IntegerField()
    checklist_version = serializers.IntegerField()
    due_from = serializers.DateTimeField()
    due_until = serializers.DateTimeField()
    instructions = serializers.CharField()
    fee = MoneyField(allow_null=True)
    expense_cap = MoneyField(allow_null=True)
    currency = serializers.CharField()
    min_rating = serializers.FloatField(allow_null=True)
    distance_km = serializers.FloatField(
        allow_null=True,
        help_text="Great-circle distance from the auditor's home, 0.1 km; null when read by an admin.",
    )
    updated_at = serializers.DateTimeField()

    @cached_property
    def _instant(self) -> Callable[[dt.datetime | None], str | None]:
        # One formatter for all the rows of a page (the child serializer serves every row).
        return dt_formatter()

    def to_representation(self, job: Any) -> dict[str, Any]:
        instant = self._instant
        return {
            "id": job.pk,
            "location": {
                "id": job.location_id,
                "name": job.location_name,
                "address": job.location_address,
                "latitude": job.location_latitude,
                "longitude": job.location_longitude,
            },
            "checklist": job.checklist_id,
            "checklist_version": job.version_number,
            "due_from": instant(job.due_from),
            "due_until": instant(job.due_until),
            "instructions": job.instructions,
            "fee": money_text(job.fee),
            "expense_cap": money_text(job.expense_cap),
            "currency": self.context["currency"],
            "min_rating": None if job.min_rating is None else float(job.min_rating),
            "distance_km": None if job.distance_km is None else round(job.distance_km, 1),
            "updated_at": instant(job.updated_at),
        }


class PayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    auditor = serializers.IntegerField(help_text="The auditor's user id.")
    visit = serializers.UUIDField()
    fee = MoneyField()
    expenses = MoneyField()
    total = MoneyField()
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=PayoutStatus.choices)
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    reference = serializers.CharField()

    def to_representation(self, payout: Any) -> dict[str, Any]:
        return payout_representation(payout)


class MarkPaidSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=500
    )
    reference = StrictCharField(max_length=200, help_text="The bank or payroll reference.")


class MarkPaidResponseSerializer(serializers.Serializer):
    results = PayoutSerializer(many=True)
