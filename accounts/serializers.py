"""Request and response bodies for people, API keys, regions and locations.

Input serializers are strict (unknown fields are a 400); output serializers only render.
Rules that need the database (ids in the organization, unique codes) live in the services.
"""

from typing import TYPE_CHECKING, Any

import pycountry
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from core.languages import canonical_tag
from core.roles import API_KEY_ROLE
from core.serializers import StrictMixin, StrictSerializer

from .authentication import GENERATION_CLAIM, user_for_token
from .models import ApiKey, Location, Region, Role, User, iana_time_zones
from .notification_kinds import NotificationKind
from .selectors import user_scope_ids
from .services import API_KEY_SCOPES

_ID: dict[str, Any] = {"min_value": 1, "max_value": 2**63 - 1}


# --- JSON types as the schema says them -----------------------------------------------------------
# DRF coerces (``0`` becomes ``"0"``, ``"yes"`` becomes ``True``, ``"5"`` becomes ``5``); a client
# sending the wrong JSON type has a bug we should tell it about, as the schema promises.


if TYPE_CHECKING:
    # The mixin goes before a field class: type-check it as one (at run time it is plain).
    _FieldBase = serializers.Field[Any, Any, Any, Any]
else:
    _FieldBase = object


class _TypedMixin(_FieldBase):
    json_types: tuple[type, ...] = ()
    type_name = ""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) and bool not in self.json_types or not isinstance(data, self.json_types):
            self.fail("wrong_type")
        return super().to_internal_value(data)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages["wrong_type"] = f"Must be {self.type_name}."


class StrictCharField(_TypedMixin, serializers.CharField):
    json_types, type_name = (str,), "a string"


class StrictEmailField(_TypedMixin, serializers.EmailField):
    json_types, type_name = (str,), "a string"


class StrictURLField(_TypedMixin, serializers.URLField):
    json_types, type_name = (str,), "a string"


class StrictChoiceField(_TypedMixin, serializers.ChoiceField):
    json_types, type_name = (str,), "a string"


class StrictIntegerField(_TypedMixin, serializers.IntegerField):
    json_types, type_name = (int,), "an integer"


class StrictFloatField(_TypedMixin, serializers.FloatField):
    json_types, type_name = (int, float), "a number"


class StrictBooleanField(_TypedMixin, serializers.BooleanField):
    json_types, type_name = (bool,), "true or false"


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "uri", "maxLength": 200}, {"type": "string", "maxLength": 0}],
        "description": "An http(s) URL, or empty.",
    }
)
class WebsiteField(StrictURLField):
    """A URL or ``""`` (an empty value is no URI, so the schema says both)."""


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}],
        "description": "An http(s) URL, or empty.",
    }
)
class WebsiteOutputField(serializers.CharField):
    pass


def validate_iana_timezone(value: str) -> str:
    if value not in iana_time_zones():
        raise serializers.ValidationError(
            f"'{value}' is not an IANA time zone name (e.g. 'Europe/Amsterdam').", code="invalid_timezone"
        )
    return value


# --- Tokens -------------------------------------------------------------------------------------


class StrictTokenObtainSerializer(StrictMixin, TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token[GENERATION_CLAIM] = user.token_generation  # copied into its access and rotated tokens
        return token

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = StrictCharField(write_only=True, max_length=150)
        # Passwords are taken exactly as typed, as the user service stores them.
        self.fields["password"] = StrictCharField(
            write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
        )


# One refresh per refresh token: the answer carries a new refresh token, the old one is blacklisted.
# Concurrent uses of one token are serialized on its outstanding-token row, so exactly one of them
# rotates it; the others find it blacklisted (401). A token whose person has changed password, role
# or activity since (another token generation) is refused too.
class StrictTokenRefreshSerializer(StrictMixin, TokenRefreshSerializer):
    refresh = StrictCharField()

    def validate(self, attrs):
        with transaction.atomic():
            token = self.token_class(attrs["refresh"])  # signature, expiry, type; TokenError -> 401
            user = user_for_token(token)
            if user is None or not user.is_active:  # the token outlived its user or their activity
                raise AuthenticationFailed(
                    "No active account found for the given token.", code="no_active_account"
                )
            token.outstand()
            spent = OutstandingToken.objects.filter(jti=token[jwt_settings.JTI_CLAIM]).order_by()
            list(spent.select_for_update().values_list("pk"))
            token.check_blacklist()  # the use we waited for may have spent it
            return super().validate(attrs)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`; short-lived.")
    refresh = serializers.CharField(
        help_text="Exchange once at `/api/v1/auth/token/refresh/` for a new access and refresh token."
    )


class RefreshedTokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="A new access token.")
    refresh = serializers.CharField(
        help_text="A new refresh token: use it next time; the one just sent is spent (refused from now on)."
    )


# --- Me and users -------------------------------------------------------------------------------


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


ME_ROLE_CHOICES = [*Role.choices, (API_KEY_ROLE, "API key")]


_KIND_HELP = {
    NotificationKind.CRITICAL_FAILURE: "A mystery visit in your scope submitted with a critical failure "
    "(admins, managers; default on).",
    NotificationKind.LOW_SCORE: "A mystery visit in your scope submitted below its pass threshold "
    "(admins, managers; default on).",
    NotificationKind.DISPUTE_OPENED: "A dispute opened in your scope (admins, managers; default on).",
    NotificationKind.DISPUTE_DECIDED: "A dispute of your location decided (staff; default on).",
    NotificationKind.ACTION_ASSIGNED: "A new corrective action for your location (staff; default on).",
    NotificationKind.ACTION_OVERDUE: "A corrective action of your location is overdue (staff; default on).",
    NotificationKind.WEEKLY_DIGEST: "The weekly digest, Monday 08:00 your time (admins, managers, staff; "
    "default on).",
}


class NotificationSettingsSerializer(serializers.Serializer):
    """Every notification kind, on or off; kinds the caller's role never hears are always false."""

    critical_failure = serializers.BooleanField(help_text=_KIND_HELP[NotificationKind.CRITICAL_FAILURE])
    low_score = serializers.BooleanField(help_text=_KIND_HELP[NotificationKind.LOW_SCORE])
    dispute_opened = serializers.BooleanField(help_text=_KIND_HELP[NotificationKind.DISPUTE_OPENED])
    dispute_decided = serializers.BooleanField(help_text=_KIND_HELP[NotificationKind.DISPUTE_DECIDED])
    action_assigned = serializers.BooleanField(help_text=_KIND_HELP[NotificationKind.ACTION_ASSIGNED])
    action_overdue = serializers.BooleanField(help_text=_KIND_HELP[NotificationKind.ACTION_OVERDUE])
    weekly_digest = serializers.BooleanField(help_text=_KIND_HELP[NotificationKind.WEEKLY_DIGEST])


class NotificationSettingsUpdateSerializer(StrictSerializer):
    """Any of the kinds, each ``true`` or ``false``; an unknown kind is a 400 at ``notifications.<kind>``."""

    critical_failure = StrictBooleanField(required=False)
    low_score = StrictBooleanField(required=False)
    dispute_opened = StrictBooleanField(required=False)
    dispute_decided = StrictBooleanField(required=False)
    action_assigned = StrictBooleanField(required=False)
    action_overdue = StrictBooleanField(required=False)
    weekly_digest = StrictBooleanField(required=False)


class MeUpdateSerializer(StrictSerializer):
    notifications = NotificationSettingsUpdateSerializer(
        required=False,
        help_text="The kinds to switch on or off; the others keep their value. A kind your role never "
        "hears can only be false (`not_for_role` otherwise).",
    )


class MeSerializer(serializers.Serializer):
    """The caller. For an API key: ``id`` and ``username`` are null and ``display_name`` is the key's name."""

    id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField(allow_null=True)
    display_name = serializers.CharField()
    role = serializers.ChoiceField(
        choices=ME_ROLE_CHOICES,
        help_text="`admin`, `manager`, `auditor`, `staff`, or `api_key` for a key.",
    )
    organization = OrganizationRefSerializer()
    region_ids = serializers.ListField(child=serializers.IntegerField())
    location_ids = serializers.ListField(child=serializers.IntegerField())
    notifications = NotificationSettingsSerializer(
        allow_null=True,
        help_text="What the person is notified of (email and `/api/v1/notifications/`); null for an API key.",
    )


class UserOutputSerializer(serializers.ModelSerializer):
    # Plain text on output: an unset address is "", which no `format: email` schema admits.
    email = serializers.CharField(read_only=True, help_text="E-mail address, or an empty string.")
    region_ids = serializers.SerializerMethodField()
    location_ids = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "region_ids",
            "location_ids",
            "is_active",
            "date_joined",
            "last_login",
        ]
        read_only_fields = fields

    def get_region_ids(self, user) -> list[int]:
        return user_scope_ids(user)[0]

    def get_location_ids(self, user) -> list[int]:
        return user_scope_ids(user)[1]


class _UserFields(StrictSerializer):
    display_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    email = StrictEmailField(max_length=254, required=False, allow_blank=True)
    role = StrictChoiceField(choices=Role.choices)
    region_ids = serializers.ListField(
        child=StrictIntegerField(**_ID), required=False, max_length=1000, help_text="Managers only."
    )
    location_ids = serializers.ListField(
        child=StrictIntegerField(**_ID), required=False, max_length=1000, help_text="Staff only."
    )
    password = StrictCharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class UserCreateSerializer(_UserFields):
    username = StrictCharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=(
            "Letters, digits and @/./+/-/_; stored in Unicode NFKC. Unique across the platform ignoring "
            "case and compatibility look-alikes (`ÉLISE` = `élise`, `ＡＤＭＩＮ` = `ADMİN` = `admın` = `admin`): "
            "a taken name is a 409 `username_taken`. Names mixing scripts with look-alike letters and "
            "`deleted-<number>` are refused (400)."
        ),
    )

    class Meta:
        fields = ["username", "password", "display_name", "email", "role", "region_ids", "location_ids"]


class UserUpdateSerializer(_UserFields):
    role = StrictChoiceField(choices=Role.choices, required=False)
    password = StrictCharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        required=False,
        style={"input_type": "password"},
    )
    is_active = StrictBooleanField(required=False)


# --- API keys -----------------------------------------------------------------------------------


class ApiKeySerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=API_KEY_SCOPES))

    class Meta:
        model = ApiKey
        fields = ["id", "name", "scopes", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class _FromContext(serializers.CharField):
    """A value the view hands over in the serializer's context under the field's name."""

    def get_attribute(self, instance: object) -> str | None:
        value: str | None = self.context.get(self.field_name or "")
        return value


class ApiKeyCreatedSerializer(ApiKeySerializer):
    # The secret is never stored: the view passes it in ``context["key"]``.
    key = _FromContext(help_text="The full key. Shown this once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyCreateSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    scopes = serializers.ListField(
        child=StrictChoiceField(choices=API_KEY_SCOPES),
        max_length=len(API_KEY_SCOPES),
        default=["read"],
        help_text='`["read"]` (default; also for an empty list) or `["read", "write"]`; `write` implies `read`.',
    )


# --- Regions and locations ----------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]
        read_only_fields = fields


class RegionWriteSerializer(StrictSerializer):
    code = StrictCharField(max_length=50)
    name = StrictCharField(max_length=200)


class LocationSerializer(serializers.ModelSerializer):
    website = WebsiteOutputField(read_only=True)

    class Meta:
        model = Location
        fields = [
            "id",
            "code",
            "name",
            "region",
            "address",
            "latitude",
            "longitude",
            "timezone",
            "phone",
            "website",
            "geofence_m",
        ]
        read_only_fields = fields


class LocationWriteSerializer(StrictSerializer):
    code = StrictCharField(max_length=50)
    name = StrictCharField(max_length=200)
    region = StrictIntegerField(**_ID, help_text="A region of your organization.")
    address = StrictCharField(max_length=500, required=False, allow_blank=True)
    latitude = StrictFloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = StrictFloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    timezone = StrictCharField(
        max_length=64,
        required=False,
        validators=[validate_iana_timezone],
        help_text="IANA name, e.g. Europe/Amsterdam.",
    )
    phone = StrictCharField(max_length=50, required=False, allow_blank=True)
    website = WebsiteField(max_length=200, required=False, allow_blank=True)
    geofence_m = StrictIntegerField(
        min_value=1,
        max_value=100_000,
        required=False,
        help_text="Radius in metres; visits reported farther away are flagged off_site (default 500).",
    )

    def validate(self, attrs):
        if ("latitude" in attrs) != ("longitude" in attrs) and not self.partial:
            raise serializers.ValidationError(
                "Give latitude and longitude together.", code="incomplete_position"
            )
        return attrs


class LocationFilterSerializer(serializers.Serializer):
    region = serializers.IntegerField(**_ID, required=False)
    search = serializers.CharField(max_length=200, required=False, allow_blank=True)


# --- Organization settings ------------------------------------------------------------------------


def validate_currency(value: str) -> str:

    if len(value) != 3 or value != value.upper() or pycountry.currencies.get(alpha_3=value) is None:
        raise serializers.ValidationError(
            f"'{value}' is not an ISO 4217 currency code (e.g. 'EUR', 'USD').", code="invalid_currency"
        )
    return value


def validate_language_tag(value: str) -> str:

    tag = canonical_tag(value)
    if tag is None:
        raise serializers.ValidationError(
            f"'{value}' is not a language tag (e.g. 'en', 'fr', 'pt-BR').", code="invalid_language"
        )
    return tag


def _days(help_text: str, **kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=365, required=False, help_text=help_text, **kwargs)


class OrganizationSettingsSerializer(StrictSerializer):
    """The organization and its settings; admins ``PATCH`` any of the writable fields."""

    id = serializers.IntegerField(read_only=True)
    name = StrictCharField(max_length=200, required=False)
    timezone = StrictCharField(
        max_length=64,
        required=False,
        validators=[validate_iana_timezone],
        help_text="IANA name; serves people who have no location of their own. Default UTC.",
    )
    currency = StrictCharField(
        required=False, validators=[validate_currency], help_text="ISO 4217 code. Default EUR."
    )
    dispute_window_days = _days(
        "Days after a visit's first submission during which it may be disputed (1-365, default 14)."
    )
    action_due_days = _days("Days a corrective action is given by default (1-365, default 14).")
    lockout_days = _days("Days an auditor is kept away from a location they visited (1-365, default 90).")
    daily_claim_cap = StrictIntegerField(
        min_value=1,
        max_value=50,
        required=False,
        help_text="Jobs a shopper may claim per day (1-50, default 3).",
    )
    default_language = StrictCharField(
        max_length=35,
        required=False,
        help_text="A language tag (BCP 47, e.g. `en`, `fr`, `pt-BR`). Default en.",
    )

    def validate_default_language(self, value: str) -> str:
        return validate_language_tag(value)  # stored in its conventional case (pt-BR)

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Must not be blank.", code="blank")
        return value
