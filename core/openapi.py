"""drf-spectacular integration: make the document say what the API does.

- ``AutoSchema`` documents, on every operation, the error responses any request can get, in the
  contract's error shape (``core.exceptions.ErrorResponseSerializer``): 400, 404, 405, 406, 429
  everywhere; 401 and 403 where authentication applies; 409, 413, 415 and 503 on writes.
  Operations may still declare their own (more specific) responses; those win.
- ``strict_request_bodies``: request bodies are strict (unknown fields are a 400), so their
  schemas get ``additionalProperties: false``.
- ``create_links``: OpenAPI ``links`` from every create (201) to the reads of what it created.
"""

import re
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


# --- links: what a create answers leads to -------------------------------------------------------
_PARAM = re.compile(r"\{([^}]+)\}")


def _properties(schema: dict[str, Any], components: dict[str, Any]) -> set[str]:
    while "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return set(schema.get("properties", {}))


def create_links(
    result: dict[str, Any], generator: SchemaGenerator, request: Request | None, public: bool
) -> dict[str, Any]:
    """Every write that creates something (201) links to the operations that read it.

    ``POST /visits/`` links to ``GET /visits/{id}/`` (and its history and photos) with
    ``id: $response.body#/id``; path parameters the create already had are carried over from
    ``$request.path``. Stateful fuzzers (schemathesis) and client generators follow these links.
    """
    paths = result.get("paths", {})
    components = result.get("components", {}).get("schemas", {})
    reads = {path: ops["get"] for path, ops in paths.items() if "get" in ops}
    for path, ops in paths.items():
        create = ops.get("post")
        if create is None or "201" not in create.get("responses", {}):
            continue
        known = set(_PARAM.findall(path))
        created = create["responses"]["201"]
        body = created.get("content", {}).get("application/json", {}).get("schema", {})
        fields = _properties(body, components)
        links = {}
        for target, read in reads.items():
            if target == path and known:
                # A nested collection (a visit's photos): its list, with the parent's ids.
                links[read["operationId"]] = {
                    "operationId": read["operationId"],
                    "parameters": {name: f"$request.path.{name}" for name in _PARAM.findall(path)},
                    "description": f"The list the created object joined, `GET {target}`.",
                }
                continue
            rest = target[len(path) :] if target.startswith(path) else None
            new = [name for name in _PARAM.findall(rest or "") if name not in known]
            if not rest or len(new) != 1 or not rest.startswith("{"):
                continue
            field = new[0] if new[0] in fields else "id"
            if field not in fields:
                continue
            parameters = {name: f"$request.path.{name}" for name in _PARAM.findall(path)}
            parameters[new[0]] = f"$response.body#/{field}"
            links[read["operationId"]] = {
                "operationId": read["operationId"],
                "parameters": parameters,
                "description": f"`{field}` of the created object, in `GET {target}`.",
            }
        if links:
            for code in ("201", "200"):  # a resend (200) answers the same object
                response = create["responses"].get(code)
                if response is not None and response.get("content") == created.get("content"):
                    response["links"] = dict(sorted(links.items()))
    return result
