"""Request and response shapes of the checklist endpoints.

Definitions (``pass_threshold`` and ``sections``) are taken as raw JSON and checked by the pure
``checklists.definition`` module, which reports every mistake at once with its path; the nested
serializers below document their shape in the OpenAPI schema. Responses render the stored,
normalized tree as it is (it is immutable, so there is nothing to compute).
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from core.serializers import StrictSerializer

from .definition import (
    ITEM_TYPES,
    MAX_LENGTHS,
    MAX_PHOTOS,
    definition_problems,
    language_etag,
    resolve_texts,
)
from .models import Channel, Checklist, ChecklistVersion


class TextField(serializers.CharField):
    """A JSON string, never a number or boolean coerced into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- the tree, as documentation ---------------------------------------------------------------

TRANSLATION_DOC = (
    "A string (in the version's default language), or, when the version declares `languages`, a "
    'translation object such as `{"en": "Greeting", "fr": "Accueil"}` that holds the default language '
    "and only declared languages. Read with `?lang=` (or `Accept-Language`), every text is a string."
)


def _translatable(max_length: int, **kwargs):
    """A text that may be a translation object: documented as ``oneOf`` string / object."""

    @extend_schema_field(
        {
            "oneOf": [
                {"type": "string", "maxLength": max_length},
                {
                    "type": "object",
                    "additionalProperties": {"type": "string", "maxLength": max_length},
                    "minProperties": 1,
                    "example": {"en": "Were you greeted?", "fr": "Vous a-t-on accueilli ?"},
                },
            ],
            "description": TRANSLATION_DOC,
        }
    )
    class TranslatableField(serializers.JSONField):
        pass

    help_text = kwargs.pop("help_text", None)
    return TranslatableField(help_text=(f"{help_text} " if help_text else "") + TRANSLATION_DOC, **kwargs)


SHOW_IF_DOC = (
    "Optional. A JSON Logic expression (operators `var`, `===`, `!==`, `<`, `<=`, `>`, `>=`, `!`, `and`, "
    "`or`, `in`) over the answers to *earlier* items (for a section: items of earlier sections), "
    '`{"var": "item_key"}` reading an answer\'s value (null when N/A, hidden or unanswered). The item '
    "(section) is shown when the result is truthy by JavaScript's rules, exactly as json-logic-js "
    "evaluates it; absent means always shown. At most 10 levels deep and 2 KB. See "
    "`checklists/logic_cases.json` for conformance cases."
)


@extend_schema_field(
    {
        "description": SHOW_IF_DOC,
        "example": {"===": [{"var": "greeted_within_30s"}, False]},
    }
)
class ShowIfField(serializers.JSONField):
    pass


# One variant per item type (``oneOf`` with ``type`` as discriminator), once as sent (defaults may
# be omitted) and once as stored (every common key present).


@extend_schema_field({"type": "number", "minimum": 0, "exclusiveMinimum": True, "example": 1})
class WeightField(serializers.FloatField):
    pass


class PhotoBoundsSerializer(serializers.Serializer):
    min = serializers.IntegerField(
        min_value=0, max_value=MAX_PHOTOS, help_text="Photos this item needs (counted in photos_missing)."
    )
    max = serializers.IntegerField(
        min_value=0, max_value=MAX_PHOTOS, help_text="Photos this item takes at most (more answer 409)."
    )


class PhotoBoundsDefinitionSerializer(serializers.Serializer):
    min = serializers.IntegerField(
        min_value=0, max_value=MAX_PHOTOS, required=False, help_text="Default 0 (1 for photo items)."
    )
    max = serializers.IntegerField(
        min_value=0, max_value=MAX_PHOTOS, required=False, help_text="Default 3 (5 for photo items)."
    )


class ChoiceOptionSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=64)
    label = _translatable(MAX_LENGTHS["label"])
    points = serializers.FloatField(min_value=0, help_text="Item score = points / best points of the item.")


def _type_field(kind: str):
    # A one-value enum, so that generated clients tell the item types apart (a pattern is ignored by
    # most of them, and every item would parse as the first variant). Each enum is named by
    # SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (``YesNoItemTypeEnum``...), else the six would collide.
    @extend_schema_field({"type": "string", "enum": [kind], "description": f"Always `{kind}`."})
    class TypeField(serializers.CharField):
        pass

    return TypeField()


def _common_item_fields(*, stored: bool) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    optional: dict[str, Any] = {} if stored else {"required": False}
    return {
        "key": serializers.SlugField(
            max_length=64, help_text="Unique across the whole version; answers use it."
        ),
        "prompt": _translatable(MAX_LENGTHS["prompt"]),
        "help_text": _translatable(MAX_LENGTHS["help_text"], help_text='Default "".', **optional),
        "weight": WeightField(help_text="Greater than 0; default 1.", **optional),
        "critical": serializers.BooleanField(
            help_text="Default false. A critical item scoring 0 fails the visit (scored items only).",
            **optional,
        ),
        "allow_na": serializers.BooleanField(help_text="Default false. May the answer be N/A?", **optional),
        "source": serializers.CharField(
            max_length=MAX_LENGTHS["source"],
            allow_blank=True,
            help_text='The service practice this item checks. Default "".',
            **optional,
        ),
        "photo": (PhotoBoundsSerializer if stored else PhotoBoundsDefinitionSerializer)(
            help_text="Photo evidence bounds, min <= max; default {min: 0, max: 3}, {min: 1, max: 5} for photo items.",
            **optional,
        ),
        "show_if": ShowIfField(required=False, help_text=SHOW_IF_DOC),
    }


def _type_fields(kind: str, *, stored: bool) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    if kind == "scale":
        return {
            "scale_min": serializers.IntegerField(min_value=-1000, max_value=1000, help_text="Lowest value."),
            "scale_max": serializers.IntegerField(
                min_value=-1000, max_value=1000, help_text="Highest value, greater than scale_min."
            ),
        }
    if kind == "choice":
        return {
            "options": ChoiceOptionSerializer(
                many=True, help_text="At least two, unique keys, at least one worth more than 0 points."
            )
        }
    if kind == "number":
        bound = "Inclusive; null or absent for none. Without both bounds the item is unscored."
        return {
            "pass_min": serializers.FloatField(
                allow_null=True, required=stored, help_text=f"Lowest passing value. {bound}"
            ),
            "pass_max": serializers.FloatField(
                allow_null=True, required=stored, help_text=f"Highest passing value. {bound}"
            ),
        }
    return {}


_Variants = dict[str, serializers.Serializer[Any] | type[serializers.Serializer[Any]]]


def _item_variants(*, stored: bool) -> _Variants:
    variants: _Variants = {}
    for kind in ITEM_TYPES:
        fields = {
            **_common_item_fields(stored=stored),
            "type": _type_field(kind),
            **_type_fields(kind, stored=stored),
        }
        camel = "".join(part.title() for part in kind.split("_"))
        name = f"{camel}Item{'' if stored else 'Definition'}Serializer"
        variants[kind] = type(name, (serializers.Serializer,), fields)
    return variants


def _items_field(*, stored: bool):
    proxy = PolymorphicProxySerializer(
        component_name="ChecklistItem" if stored else "ChecklistItemDefinition",
        serializers=_item_variants(stored=stored),
        resource_type_field_name="type",
        many=True,
    )

    @extend_schema_field(proxy)
    class ItemsField(serializers.ListField):
        pass

    return ItemsField(min_length=1)


class SectionDefinitionSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=64, help_text="Unique within the version.")
    title = _translatable(MAX_LENGTHS["title"])
    weight = WeightField(required=False, help_text="Greater than 0; default 1.")
    show_if = ShowIfField(required=False, help_text=SHOW_IF_DOC)
    items = _items_field(stored=False)


class SectionSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=64)
    title = _translatable(MAX_LENGTHS["title"])
    weight = WeightField()
    show_if = ShowIfField(required=False, help_text=SHOW_IF_DOC)
    items = _items_field(stored=True)


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "example": "fr"},
        "maxItems": 20,
        "example": ["en", "fr"],
        "description": "Language tags the version's texts are written in; the first is the default. "
        "Absent or [] when none are declared (texts are then plain strings).",
    }
)
class LanguagesInputField(serializers.Field):
    """Raw JSON, checked by ``checklists.definition`` with the rest of the definition."""

    def to_internal_value(self, data):
        return data


@extend_schema_field(SectionDefinitionSerializer(many=True, allow_empty=False))
class SectionsInputField(serializers.Field):
    """Raw JSON, checked by ``checklists.definition`` (see ``DefinitionInputMixin``)."""

    def to_internal_value(self, data):
        return data


@extend_schema_field(SectionSerializer(many=True))
class SectionsOutputField(serializers.ReadOnlyField):
    pass


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 100, "example": 80})
class ThresholdInputField(serializers.Field):
    def to_internal_value(self, data):
        return data


if TYPE_CHECKING:
    # The mixin goes before a serializer class: type-check it as one (at run time it is plain).
    _SerializerBase = serializers.Serializer[Any]
else:
    _SerializerBase = object

DEFINITION_FIELDS = ("sections", "pass_threshold", "languages")


class DefinitionInputMixin(_SerializerBase):
    """Report field errors and every definition mistake together, in one 400."""

    def to_internal_value(self, data: Any) -> Any:
        errors: dict = {}
        values = None
        refused: dict = {}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors.update(exc.detail)
            refused = dict(exc.detail)
        if isinstance(data, Mapping):
            for name in DEFINITION_FIELDS:
                errors.pop(name, None)  # the definition check says it better
            given = {name: data[name] for name in DEFINITION_FIELDS if name in data}
            for problem in definition_problems(**given):
                errors.setdefault(problem.path, []).append(
                    serializers.ErrorDetail(problem.message, code=problem.code)
                )
        if not errors and values is None:
            # The fields refused something the definition check lets through: say what they said.
            errors = refused
        if errors:
            raise serializers.ValidationError(errors)
        return values


# --- checklists --------------------------------------------------------------------------------


MIN_DURATION_HELP = "A visit shorter than this many minutes is flagged `too_short`; null for no minimum."


class ChecklistSerializer(serializers.ModelSerializer):
    min_duration_minutes = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=MIN_DURATION_HELP
    )
    current_version = serializers.IntegerField(read_only=True, help_text="Number of the newest version.")
    builtin_key = serializers.CharField(
        read_only=True, help_text='Set for checklists installed from the built-in library, "" otherwise.'
    )
    required_qualifications: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True,
        read_only=True,
        slug_field="code",
        help_text="Qualification codes an auditor must hold to claim this checklist's jobs.",
    )

    class Meta:
        model = Checklist
        fields = [
            "id",
            "name",
            "description",
            "channel",
            "current_version",
            "min_duration_minutes",
            "builtin_key",
            "required_qualifications",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ChecklistCreateSerializer(DefinitionInputMixin, StrictSerializer):
    name = TextField(max_length=200)
    description = TextField(required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices)
    pass_threshold = ThresholdInputField(help_text="Score (0-100, two decimals) a visit needs to pass.")
    languages = LanguagesInputField(required=False, allow_null=True)
    sections = SectionsInputField(help_text="The definition, published as version 1.")
    min_duration_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=24 * 60, help_text=MIN_DURATION_HELP
    )
    required_qualifications = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=50,
        help_text="Qualification codes (/api/v1/qualifications/) an auditor must hold to claim its jobs.",
    )


class ChecklistUpdateSerializer(StrictSerializer):
    name = TextField(max_length=200, required=False)
    description = TextField(required=False, allow_blank=True)
    min_duration_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=24 * 60, help_text=MIN_DURATION_HELP
    )
    required_qualifications = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=50,
        help_text="Qualification codes (/api/v1/qualifications/) an auditor must hold to claim its jobs.",
    )


# --- versions ----------------------------------------------------------------------------------


class VersionPublishSerializer(DefinitionInputMixin, StrictSerializer):
    pass_threshold = ThresholdInputField(help_text="Score (0-100, two decimals) a visit needs to pass.")
    languages = LanguagesInputField(required=False, allow_null=True)
    sections = SectionsInputField(help_text="The whole definition of the new version.")


class VersionSummarySerializer(serializers.ModelSerializer):
    checklist = serializers.IntegerField(source="checklist_id", read_only=True)
    pass_threshold = serializers.FloatField(read_only=True)
    etag = serializers.CharField(read_only=True, help_text="The version's strong ETag, unquoted.")
    languages = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Declared languages, the default first; [] when none are declared.",
    )

    class Meta:
        model = ChecklistVersion
        fields = ["checklist", "number", "published_at", "pass_threshold", "etag", "languages"]
        read_only_fields = fields


class ChecklistVersionSerializer(VersionSummarySerializer):
    """A version's whole tree. Read in one language (`lang` set), every text is a string."""

    lang = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The language every text is resolved to (asked with `?lang=` or `Accept-Language`, "
        "falling back to the default language); null when the tree carries all translations. "
        "`etag` is then this language's own ETag.",
    )
    sections = SectionsOutputField()

    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "lang", "sections"]
        read_only_fields = fields

    def to_representation(self, version):
        data = super().to_representation(version)
        language = self.context.get("lang")
        data["lang"] = language
        if language is not None:
            data["etag"] = language_etag(version.etag, language)
            data["sections"] = resolve_texts(version.sections, language, version.languages)
        return data
