"""JSON parsing that turns every malformed body into a 400, including pathological nesting and text
no database can store.

JSON may spell a lone UTF-16 surrogate (``"\\ud800"``) or a NUL (``"\\u0000"``). Neither can be
stored: PostgreSQL refuses NUL in text and ``jsonb`` and cannot encode a lone surrogate; SQLite
would store a NUL silently, and a surrogate breaks hashing and rendering (UTF-8) later on. Both are
refused here, once for every JSON body on either database, with ``attr`` naming the field.
"""

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError
from rest_framework.parsers import JSONParser as BaseJSONParser

from .text import unstorable_text_problem


class JSONParser(BaseJSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # e.g. 100,000 nested brackets: Python's decoder gives up before we could judge it.
            raise ParseError("JSON parse error - the body is nested too deeply.")
        errors = unstorable_strings(data)
        if errors:
            raise ValidationError(errors)
        return data


def unstorable_strings(data: Any, *, limit: int = 20) -> dict[str, list[ErrorDetail]]:
    """``{path: [error]}`` for (at most ``limit``) strings in a parsed JSON value that hold a NUL
    or a lone surrogate; object keys are checked too (the error then names the object holding it).
    Iterative, so that a deeply nested body cannot exhaust the stack."""
    errors: dict[str, list[ErrorDetail]] = {}
    stack: list[tuple[str, Any]] = [("", data)]
    while stack and len(errors) < limit:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = unstorable_text_problem(value)
            if problem:
                errors.setdefault(path or "non_field_errors", []).append(_detail(*problem))
        elif isinstance(value, dict):
            for key, child in reversed(list(value.items())):
                problem = unstorable_text_problem(key)
                if problem:
                    message, code = problem
                    errors.setdefault(path or "non_field_errors", []).append(
                        _detail(f"A field name is not valid text: {message[0].lower()}{message[1:]}", code)
                    )
                    continue
                stack.append((f"{path}.{key}" if path else key, child))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}.{i}" if path else str(i), child) for i, child in reversed(list(enumerate(value)))
            )
    return errors


def _detail(message: str, code: str) -> ErrorDetail:
    return ErrorDetail(message, code=code)
