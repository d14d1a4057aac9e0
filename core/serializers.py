"""Serializer bases shared by every app.

Strict serializers reject unknown fields (a typo in a phone's body must not be silently
dropped) and non-object bodies, naming the offending field in ``attr``.
"""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .money import MoneyError, money_parse, money_text

if TYPE_CHECKING:
    # The mixin goes before a serializer class: type-check it as one (at run time it is plain).
    _SerializerBase = serializers.Serializer[Any]
else:
    _SerializerBase = object


class StrictMixin(_SerializerBase):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [serializers.ErrorDetail("Unknown field.", code="unknown_field")]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer[Any]):
    pass


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer[Any]):
    pass


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"})
class MoneyField(serializers.Field[Decimal, Decimal, str, Any]):
    """An amount of money: a decimal string in, a decimal string out (``core.money``), never a float."""

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return money_parse(data)
        except MoneyError as error:
            raise serializers.ValidationError(error.message, code=error.code)

    def to_representation(self, value: Decimal) -> str:
        return money_text(value) or ""
