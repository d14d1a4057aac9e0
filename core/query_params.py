"""Query parameters given with no value are a 400, not silently ignored.

django-filter and most parsers treat ``?to=`` as "no filter", so a client whose date failed to
render would get every row back and never notice. A parameter that is present must have a value;
only free-text search and pagination cursors may be blank.
"""

from django.http import JsonResponse

ALLOW_BLANK = frozenset({"search", "cursor"})


class BlankQueryParamMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/v1/"):
            blank = sorted(
                name for name, values in request.GET.lists() if name not in ALLOW_BLANK and "" in values
            )
            if blank:
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
        return self.get_response(request)
