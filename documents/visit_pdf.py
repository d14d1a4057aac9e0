"""A visit's report as a PDF, for a caller: fetch (scoped), resolve the language, read the
thumbnails, lay out. The one function the view calls.

The language is negotiated like the checklist tree's (``core.languages.negotiate``): ``?lang=``
(already checked by ``core.languages.lang_param``), else ``Accept-Language``, among the languages
the visit's checklist version declares, falling back to its default (also when nothing is asked).
A version that declares no languages has plain texts: ``language`` is then None.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.languages import negotiate
from core.principal import Principal

from .layout import render
from .report import visit_report
from .selectors import visit_report_rows
from .thumbnails import load_thumbnails


@dataclass(frozen=True)
class VisitPdf:
    filename: str
    content: bytes
    language: str | None


def visit_report_pdf(
    *, principal: Principal, visit_id: object, lang: str | None, accept_language: str | None
) -> VisitPdf:
    """The PDF of visit ``visit_id`` as ``principal`` may see it (404 when they cannot)."""
    rows = visit_report_rows(principal, visit_id)
    languages = list(rows.visit.checklist_version.languages or [])
    # Asked for nothing: the version's default, which ``Content-Language`` then names.
    language = negotiate(lang=lang, accept_language=accept_language, available=languages) or next(
        iter(languages), None
    )
    report = visit_report(rows, language=language)
    thumbnails = load_thumbnails((tile.id, tile.thumbnail) for tile in report.photos)
    return VisitPdf(
        filename=f"visit-{rows.visit.pk}.pdf", content=render(report, thumbnails), language=language
    )
