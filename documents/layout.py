"""The visit report on paper: A4, reportlab's platypus (paragraphs, tables, images), DejaVu Sans.

Pure: ``render(report, thumbnails)`` takes a ``documents.report.VisitReport`` and the thumbnails'
bytes and returns the PDF; no database, no storage. The order is the order a client reads in:
who, where and when; the score and whether it passed; critical failures; section scores; every
answer by section (critical failures shaded); photos; disputes and their outcome; notes. Every
page carries the visit's id and "page N of M".

Long texts flow: a table row taller than a page is split inside the row (``splitInRow``), so no
answer, comment or note can make a page overflow.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import IO, Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from . import fonts
from .report import DisputeBlock, PhotoTile, SectionBlock, VisitReport
from .thumbnails import Thumbnail

# Binary streams: ASCII85 only makes a PDF 25% larger and slower to write.
rl_config.useA85 = 0

FONT_SIZE = 8.5
LEADING = 10.8
CELL_PADDING = 4
MAX_PLAIN_LINES = 4
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
PASS_COLOUR = colors.HexColor("#1b7f3b")
FAIL_COLOUR = colors.HexColor("#b3261e")
FAIL_SHADE = colors.HexColor("#fde8e6")
HEAD_SHADE = colors.HexColor("#eef1f4")
RULE = colors.HexColor("#c5cbd3")
MUTED = colors.HexColor("#5b6470")
PHOTO_COLUMNS = 3
PHOTO_WIDTH = WIDTH / PHOTO_COLUMNS - 4 * mm
PHOTO_HEIGHT = PHOTO_WIDTH * 0.75


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    fonts.register()
    base = ParagraphStyle("base", fontName=fonts.REGULAR, fontSize=FONT_SIZE, leading=LEADING)
    return {
        "base": base,
        "bold": ParagraphStyle("bold", parent=base, fontName=fonts.BOLD),
        "muted": ParagraphStyle("muted", parent=base, fontSize=7.5, leading=9.4, textColor=MUTED),
        "caption": ParagraphStyle("caption", parent=base, fontSize=7, leading=8.6, textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontName=fonts.BOLD, fontSize=16, leading=20),
        "heading": ParagraphStyle(
            "heading", parent=base, fontName=fonts.BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "figure": ParagraphStyle("figure", parent=base, fontName=fonts.BOLD, fontSize=14, leading=17),
        "verdict": ParagraphStyle(
            "verdict",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=13,
            leading=16,
            alignment=TA_CENTER,
            textColor=colors.white,
        ),
        "placeholder": ParagraphStyle("placeholder", parent=base, alignment=TA_CENTER, textColor=MUTED),
        "critical": ParagraphStyle("critical", parent=base, fontName=fonts.BOLD, textColor=FAIL_COLOUR),
    }


class _Jpeg(ImageReader):
    """A JPEG thumbnail, passed through to the PDF as is. reportlab names each image by hashing its
    decoded pixels; a JPEG's own bytes name it as well, without decoding it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._bytes = data

    def getRGBData(self) -> bytes:  # reportlab's name for what names an image
        self._dataA = None
        return self._bytes


class _Picture(Flowable):
    def __init__(self, thumbnail: Thumbnail, width: float, height: float) -> None:
        super().__init__()
        self.image = _Jpeg(thumbnail.data)
        self.width, self.height = width, height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.image, 0, 0, self.width, self.height)


class _Page:
    """Paragraph helpers bound to the report's styles."""

    def __init__(self) -> None:
        self.styles = _styles()

    def text(self, text: str, style: str = "base") -> Paragraph:
        return Paragraph(fonts.markup(text), self.styles[style])

    def cell(self, text: str, width: float) -> str | Paragraph:
        """A table cell in the base style. Short plain text is broken into lines here and drawn as
        lines (several times faster than a paragraph, which a table wraps twice); anything else (markup,
        line breaks, Asian scripts, a word wider than the column, long text) is a paragraph."""
        inner = width - 2 * CELL_PADDING
        if fonts.is_plain(text):
            lines = simpleSplit(text, fonts.REGULAR, FONT_SIZE, inner)
            # simpleSplit breaks at spaces: only a line of one word can be wider than the column.
            if len(lines) <= MAX_PLAIN_LINES and all(
                " " in line or stringWidth(line, fonts.REGULAR, FONT_SIZE) <= inner for line in lines
            ):
                return "\n".join(lines)
        return self.text(text)

    def labelled(self, label: str, text: str, style: str = "base") -> Paragraph:
        return Paragraph(f"<b>{fonts.markup(label)}</b> {fonts.markup(text)}", self.styles[style])


def _grid() -> list[tuple[Any, ...]]:
    """Ruled rows, the first one a shaded header."""
    return [
        ("FONT", (0, 0), (-1, -1), fonts.REGULAR, FONT_SIZE, LEADING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_SHADE),
        ("FONT", (0, 0), (-1, 0), fonts.BOLD, 8),
    ]


def _table(rows: list[list[Any]], widths: Sequence[float], extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1, splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle([*_grid(), *extra]))
    return table


def _header(report: VisitReport, page: _Page) -> list[Flowable]:
    widths = [28 * mm, WIDTH - 28 * mm]
    facts = Table(
        [[label, page.cell(value, widths[1])] for label, value in report.facts],
        colWidths=widths,
        hAlign="LEFT",
        splitInRow=1,
    )
    facts.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), fonts.REGULAR, FONT_SIZE, LEADING),
                ("FONT", (0, 0), (0, -1), fonts.BOLD, FONT_SIZE, LEADING),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *_paddings(1.5),
            ]
        )
    )
    return [
        page.text(report.organization, "muted"),
        page.text("Visit report", "title"),
        Spacer(0, 3 * mm),
        facts,
    ]


def _paddings(vertical: float) -> list[tuple[Any, ...]]:
    return [
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), vertical),
        ("BOTTOMPADDING", (0, 0), (-1, -1), vertical),
    ]


def _score(report: VisitReport, page: _Page) -> list[Flowable]:
    verdict = "PASSED" if report.passed else "FAILED"
    # Each label above its figure in one cell, so the text reads "Score 87.50 Pass threshold 80.00".
    cells: list[list[Any]] = [
        [
            [page.text("Score", "muted"), page.text(report.score, "figure")],
            [page.text("Pass threshold", "muted"), page.text(report.pass_threshold, "figure")],
            page.text(verdict, "verdict"),
        ]
    ]
    table = Table(cells, colWidths=[45 * mm, 45 * mm, 40 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (2, 0), (2, 0), PASS_COLOUR if report.passed else FAIL_COLOUR),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    out: list[Flowable] = [Spacer(0, 5 * mm), table]
    if report.original_score is not None:
        out += [
            Spacer(0, 1.5 * mm),
            page.labelled("Score before upheld disputes:", report.original_score, "muted"),
        ]
    if report.critical_failures:
        box = Table(
            [
                [page.text("Critical failures", "bold")],
                *[[page.text(prompt)] for prompt in report.critical_failures],
            ],
            colWidths=[WIDTH],
            hAlign="LEFT",
            splitInRow=1,
        )
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1, FAIL_COLOUR),
                    ("BACKGROUND", (0, 0), (-1, -1), FAIL_SHADE),
                    ("TEXTCOLOR", (0, 0), (-1, -1), FAIL_COLOUR),
                ]
            )
        )
        out += [Spacer(0, 3 * mm), box]
    return out


def _section_scores(sections: list[SectionBlock], page: _Page) -> list[Flowable]:
    if not sections:
        return []
    rows: list[list[Any]] = [["Section", "Score"]]
    widths = [WIDTH - 30 * mm, 30 * mm]
    rows += [[page.cell(section.title, widths[0]), section.score] for section in sections]
    return [
        page.text("Section scores", "heading"),
        _table(rows, widths, [("ALIGN", (1, 0), (1, -1), "RIGHT")]),
    ]


def _answers(sections: list[SectionBlock], page: _Page) -> list[Flowable]:
    out: list[Flowable] = [page.text("Answers", "heading")]
    widths = [WIDTH - 78 * mm, 60 * mm, 18 * mm]
    for section in sections:
        rows: list[list[Any]] = [[page.text(section.title, "bold"), "Answer", "Item score"]]
        shading: list[tuple[Any, ...]] = []
        for number, line in enumerate(section.lines, start=1):
            prompt: Any = page.cell(line.prompt, widths[0])
            if line.comment or line.failed:
                prompt = [page.text(line.prompt)]
                if line.comment:
                    prompt.append(page.text(line.comment, "muted"))
                if line.failed:
                    prompt.append(page.text("Critical failure", "critical"))
            if line.failed:
                shading += [
                    ("BACKGROUND", (0, number), (-1, number), FAIL_SHADE),
                    ("TEXTCOLOR", (0, number), (-1, number), FAIL_COLOUR),
                ]
            rows.append([prompt, page.cell(line.answer, widths[1]), line.score])
        extra = [("ALIGN", (2, 0), (2, -1), "RIGHT"), *shading]
        out += [CondPageBreak(30 * mm), _table(rows, widths, extra), Spacer(0, 3 * mm)]
    return out


def _photo_cell(tile: PhotoTile, thumbnail: Thumbnail | None, page: _Page) -> list[Flowable]:
    if thumbnail is None:
        box = Table(
            [[page.text("Photo unavailable", "placeholder")]],
            colWidths=[PHOTO_WIDTH],
            rowHeights=[PHOTO_HEIGHT],
        )
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                    ("BACKGROUND", (0, 0), (-1, -1), HEAD_SHADE),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        picture: Flowable = box
    else:
        scale = min(PHOTO_WIDTH / thumbnail.width, PHOTO_HEIGHT / thumbnail.height)
        picture = _Picture(thumbnail, thumbnail.width * scale, thumbnail.height * scale)
    return [picture, Spacer(0, 1 * mm), page.text(tile.caption, "caption")]


def _photos(
    report: VisitReport, thumbnails: Mapping[uuid.UUID, Thumbnail | None], page: _Page
) -> list[Flowable]:
    if not report.photos:
        return []
    cells = [_photo_cell(tile, thumbnails.get(tile.id), page) for tile in report.photos]
    rows = [cells[i : i + PHOTO_COLUMNS] for i in range(0, len(cells), PHOTO_COLUMNS)]
    rows[-1] += [[] for _ in range(PHOTO_COLUMNS - len(rows[-1]))]
    grid = Table(rows, colWidths=[WIDTH / PHOTO_COLUMNS] * PHOTO_COLUMNS, hAlign="LEFT")
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_paddings(3)]))
    out: list[Flowable] = [CondPageBreak(PHOTO_HEIGHT + 20 * mm), page.text("Photos", "heading"), grid]
    if report.photos_omitted:
        more = (
            f"{report.photos_omitted} more photo{'s' if report.photos_omitted != 1 else ''} not shown here."
        )
        out.append(page.text(more, "muted"))
    return out


def _dispute(dispute: DisputeBlock, page: _Page) -> list[Flowable]:
    title = f"Dispute opened {dispute.opened} by {dispute.opened_by}: {dispute.status}"
    out: list[Flowable] = [page.text(title, "bold")]
    if dispute.comment:
        out.append(page.labelled("Comment:", dispute.comment))
    rows: list[list[Any]] = [["Item and reason", "Original answer", "Proposed", "Decision"]]
    for item in dispute.items:
        rows.append(
            [
                [page.text(item.prompt), page.text(item.reason, "muted")],
                page.text(item.original),
                page.text(item.proposed),
                item.decision,
            ]
        )
    out += [Spacer(0, 1.5 * mm), _table(rows, [WIDTH - 104 * mm, 40 * mm, 40 * mm, 24 * mm])]
    out.append(Spacer(0, 1.5 * mm))
    if dispute.decided:
        decided = dispute.decided + (f": {dispute.decision_comment}" if dispute.decision_comment else "")
        out.append(page.labelled("Decided", decided))
    if dispute.evidence:
        out.append(
            page.labelled(
                "Evidence:",
                f"{dispute.evidence} photo{'s' if dispute.evidence != 1 else ''} (in the app, with the dispute)",
                "muted",
            )
        )
    return [*out, Spacer(0, 3 * mm)]


def _disputes(report: VisitReport, page: _Page) -> list[Flowable]:
    if not report.disputes:
        return []
    out: list[Flowable] = [CondPageBreak(40 * mm), page.text("Disputes", "heading")]
    for dispute in report.disputes:
        out += _dispute(dispute, page)
    return out


Footer = Callable[[Canvas, int, int], None]


def _footer(report: VisitReport) -> Footer:
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    def draw(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        canvas.setFont(fonts.REGULAR, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9 * mm, fonts.plain(f"Visit {report.visit_id} · generated {generated}"))
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"Page {number} of {total}")
        canvas.restoreState()

    return draw


class _NumberedCanvas(Canvas):
    """Holds every page until the end, so each footer can say "page N of M"."""

    def __init__(self, out: str | IO[bytes], /, *, footer: Footer, **kwargs: Any) -> None:
        super().__init__(out, **kwargs)
        self.footer = footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own page reset; the stubs omit it

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.footer(self, number, total)
            super().showPage()
        super().save()


def render(report: VisitReport, thumbnails: Mapping[uuid.UUID, Thumbnail | None]) -> bytes:
    """The report as PDF bytes (``thumbnails``: photo id -> thumbnail, None for a placeholder)."""
    page = _Page()
    story: list[Flowable] = [
        *_header(report, page),
        *_score(report, page),
        *_section_scores(report.sections, page),
        *_answers(report.sections, page),
        *_photos(report, thumbnails, page),
        *_disputes(report, page),
    ]
    if report.notes:
        story += [CondPageBreak(25 * mm), page.text("Notes", "heading"), page.text(report.notes)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=fonts.clean(f"Visit report: {report.location}, {report.local_date}"),
        subject=fonts.clean(report.checklist),
        author=fonts.clean(report.organization),
        creator="Mystery-shopper audit API",
    )
    footer = _footer(report)

    def canvas(out: str | IO[bytes], /, **kwargs: Any) -> Canvas:
        return _NumberedCanvas(out, footer=footer, **kwargs)

    doc.build(story, canvasmaker=canvas)
    return out.getvalue()
