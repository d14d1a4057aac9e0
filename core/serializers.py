"""Serializer bases shared by every app.

Strict serializers reject unknown fields (a typo in a phone's body must not be silently
dropped) and non-object bodies, naming the offending field in ``attr``.
"""

from rest_framework import serializers


class StrictMixin:
    def to_internal_value(self, data):
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


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    pass
