"""Query parameters given with no value are a 400, not silently ignored.

django-filter and most parsers treat ``?to=`` as "no filter", so a client whose date failed to
render would get every row back and never notice. A parameter that is present must have a value;
only free-text search and pagination cursors may be blank.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

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
        blank = sorted(
            name for name, values in request.GET.lists() if name not in ALLOW_BLANK and "" in values
        )
        if not blank:
            return None
        return JsonResponse(
            {
                "type": "validation_error",
                "errors": [
                    {"code": "blank", "detail": "This parameter may not be blank.", "attr": name}
                    for name in blank
                ],
            },
            status=400,
        )


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
