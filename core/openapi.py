"""drf-spectacular integration: make the document say what the API does.

- ``AutoSchema`` documents, on every operation, the error responses any request can get, in the
  contract's error shape (``core.exceptions.ErrorResponseSerializer``): 400, 404, 405, 406, 429
  everywhere; 401 and 403 where authentication applies; 409, 413, 415 and 503 on writes.
  Operations may still declare their own (more specific) responses; those win.
- ``strict_request_bodies``: request bodies are strict (unknown fields are a 400), so their
  schemas get ``additionalProperties: false``.
"""

from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import Direction
from rest_framework.request import Request

from core.exceptions import _ERROR_DOCS, ErrorResponseSerializer

ALWAYS = (400, 404, 405, 406, 429)
AUTHENTICATED = (401, 403)
WRITES = (409, 413, 415, 503)
_ERROR_DOCS.setdefault(
    406, "Not acceptable: this endpoint answers `application/json` (or its documented type)."
)


class AutoSchema(BaseAutoSchema):
    def _error_codes(self) -> list[int]:
        codes = list(ALWAYS)
        if any(self.get_auth()):
            codes += AUTHENTICATED
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += WRITES
        return sorted(codes)

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if str(code) not in responses:
                # drf-spectacular leaves this helper unannotated; it returns the response object.
                response = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ErrorResponseSerializer, str(code)
                )
                response["description"] = _ERROR_DOCS[code]
                responses[str(code)] = response
        return dict(sorted(responses.items()))


def strict_request_bodies(
    result: dict[str, Any], generator: SchemaGenerator, request: Request | None, public: bool
) -> dict[str, Any]:
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request") and schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
    return result
