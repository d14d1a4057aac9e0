"""HTTP for documents: ``GET /visits/{id}/report.pdf``, a visit as a client receives it.

The API renders JSON by default; this view answers ``application/pdf`` whatever ``Accept`` says
(a browser asks for HTML, a download tool for ``*/*``) through ``PDFRenderer``, and everything that
is not a PDF (errors, OPTIONS) in JSON, in the contract's error shape.
"""

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiKeyAuthentication, JWTAuthentication
from core.exceptions import error_response, error_responses
from core.languages import lang_param
from core.permissions import EVERYONE
from core.principal import principal_of

from .visit_pdf import visit_report_pdf

PDF = "application/pdf"
JSON = "application/json"


class PDFRenderer(BaseRenderer):
    """Passes a rendered PDF's bytes through."""

    media_type = PDF
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


class PDFNegotiation(BaseContentNegotiation):
    """The PDF whatever ``Accept`` says (no 406 for a browser); ``finalize_response`` turns anything
    else to JSON."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


def _json_errors(*codes: int) -> dict[Any, OpenApiResponse]:
    """The error responses, documented as JSON only (the 200 alone is a PDF)."""
    return {(code, JSON): response for code, response in error_responses(*codes).items()}


_ERRORS = {
    **_json_errors(400, 401, 403, 404, 405, 429),
    # Listed because every operation lists it; this one serves the PDF whatever ``Accept`` says.
    (406, JSON): error_response("Not sent here: the PDF is served whatever `Accept` asks for."),
}


class VisitReportPdfView(APIView):
    """``GET /visits/{id}/report.pdf``."""

    role_map = {"GET": EVERYONE, "HEAD": EVERYONE, "OPTIONS": EVERYONE}
    http_method_names = ["get", "head", "options"]
    # The dashboard links here: a person signed in there opens the PDF with their session (reads only,
    # so no CSRF question arises).
    authentication_classes = [JWTAuthentication, ApiKeyAuthentication, SessionAuthentication]
    renderer_classes = [PDFRenderer, JSONRenderer]
    content_negotiation_class = PDFNegotiation

    @extend_schema(
        tags=["visits"],
        operation_id="visits_report_pdf",
        summary="A visit as a printable PDF report",
        description=(
            "The visit as a client receives it, on one to three A4 pages for a typical visit: organization, "
            "location, local date and time (the location's time zone), checklist, version and kind, status "
            "and review comment; score, pass threshold and whether it passed (with the score before upheld "
            "disputes, if any); critical failures, highlighted; section scores; every visible answer by "
            "section with its comment and item score (hidden items are left out); thumbnails of the visit's "
            "own photos (a placeholder for one the photo store cannot give; dispute evidence is counted under "
            "its dispute); disputes with their items, reasons, proposals, decisions and outcome; notes. The "
            "auditor is named for admins and managers only, as everywhere in the API. Whoever may read the "
            "visit may read its report; any other visit is 404. Checklist texts are in `lang` (or "
            "`Accept-Language`), resolved like the checklist tree: the version's best-matching declared "
            "language, else its default; the report's own labels are English. `Content-Disposition: inline`. "
            "Errors are JSON."
        ),
        parameters=[
            # DRF's ``?format=`` override does not apply: the PDF is the one answer.
            OpenApiParameter("format", exclude=True),
            OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The visit's UUID."),
            OpenApiParameter(
                "lang",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="A language tag (`fr`, `pt-BR`) for the checklist's texts; a malformed tag is a "
                "400 at `lang`.",
            ),
            OpenApiParameter(
                "Accept-Language",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="Used like `lang` when `lang` is absent (a malformed header is ignored).",
            ),
        ],
        responses={(200, PDF): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."), **_ERRORS},
    )
    def get(self, request: Request, id: uuid.UUID) -> Response:
        lang = lang_param(request.query_params)
        document = visit_report_pdf(
            principal=principal_of(request),
            visit_id=id,
            lang=lang,
            accept_language=request.headers.get("Accept-Language"),
        )
        headers = {
            "Content-Disposition": f'inline; filename="{document.filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Vary": "Accept-Language",
        }
        if document.language:
            headers["Content-Language"] = document.language
        return Response(document.content, content_type=PDF, headers=headers)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response) and not isinstance(response.data, bytes):
            # An error or OPTIONS: JSON in the contract's shape, not a PDF.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSON
        return super().finalize_response(request, response, *args, **kwargs)
