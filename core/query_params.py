"""Query parameters given with no value, given twice, or holding a NUL, are a 400, not silently ignored.

django-filter and most parsers treat ``?to=`` as "no filter", so a client whose date failed to
render would get every row back and never notice. A parameter that is present must have a value;
only free-text search and pagination cursors may be blank. No parameter of this API takes several
values, so one given twice (``?location=1&location=2``) is ambiguous: a 400 too, not "the last one".

``%00`` decodes to a NUL character, which no filter can use (PostgreSQL refuses it in any text
parameter), so it is refused here for every parameter, on either database, before a view runs.
Lone surrogates cannot arrive this way: Django decodes invalid UTF-8 in a query string as U+FFFD.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from .text import NULL_CODE

ALLOW_BLANK = frozenset({"search", "cursor"})


class BlankQueryParamMiddleware:
    """Runs once the view is resolved, so that a method the view lacks still answers 405."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not request.path.startswith("/api/v1/") or not _handles(view_func, request.method):
            return None
        errors = []
        for name, values in sorted(request.GET.lists()):
            if "\x00" in name or any("\x00" in value for value in values):
                errors.append({"code": NULL_CODE, "detail": "Null characters are not allowed.", "attr": name})
            elif name not in ALLOW_BLANK and "" in values:
                errors.append({"code": "blank", "detail": "This parameter may not be blank.", "attr": name})
            elif len(values) > 1:
                errors.append({"code": "repeated", "detail": "Give this parameter once.", "attr": name})
        if not errors:
            return None
        return JsonResponse({"type": "validation_error", "errors": errors}, status=400)


def _handles(view_func: Callable[..., HttpResponse], method: str | None) -> bool:
    """Whether the resolved view has a handler for ``method`` (viewsets map methods to actions)."""
    method = (method or "").lower()
    actions = getattr(view_func, "actions", None)
    if actions is not None:
        return method in actions
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    if view_class is None:
        return True
    return method in getattr(view_class, "http_method_names", ()) and hasattr(view_class, method)
