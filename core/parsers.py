"""JSON parsing that turns every malformed body into a 400, including pathological nesting."""

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as BaseJSONParser


class JSONParser(BaseJSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # e.g. 100,000 nested brackets: Python's decoder gives up before we could judge it.
            raise ParseError("JSON parse error - the body is nested too deeply.")
