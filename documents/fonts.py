"""The report's fonts, and text made safe to set in them.

DejaVu Sans (shipped in ``documents/fonts/``, embedded as a subset) covers Latin with every accent
(French, Polish: "Zoë", "Łódź"), Greek and Cyrillic, so every reader shows the same glyphs and
text extraction gives back what was typed. Chinese, Japanese and Korean are not in it: their runs
are set in the PDF standard's Adobe CID fonts (not embedded; readers take them from the system),
so the text stays searchable and extractable and shows wherever the reader has such a font. Any
other character DejaVu lacks (and any beyond the Basic Multilingual Plane, such as emoji) is
written as U+FFFD, a visible mark instead of an invisible or unextractable glyph.

``markup(text)`` turns a person's text into paragraph markup (escaped, line breaks kept, runs of
Asian characters wrapped in their font); ``plain(text)`` does the same for cells drawn without
markup (fixed labels, numbers), where Asian text cannot occur.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
#: Japanese (kana, kanji, CJK punctuation, full-width forms) and Korean (Hangul) CID fonts.
CJK_FONT = "HeiseiKakuGo-W5"
HANGUL_FONT = "HYGothic-Medium"
REPLACEMENT = "\ufffd"

_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
    (0x3190, 0x31FF),  # kanbun, katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # half-width and full-width forms
)
_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))
# Control characters other than tab and line breaks draw nothing useful.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@lru_cache(maxsize=1)
def register() -> None:
    """Register the fonts with reportlab once per process (parsing the TTF files is the slow part)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    # ``<b>`` in a paragraph set in DejaVu Sans picks the bold face.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    pdfmetrics.registerFont(UnicodeCIDFont(HANGUL_FONT))


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """Code points DejaVu Sans has a glyph for (both faces cover the same set)."""
    register()
    font = pdfmetrics.getFont(REGULAR)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]  # TTFont's face is untyped in the stubs


@lru_cache(maxsize=1)
def _special() -> re.Pattern[str]:
    """Characters ``markup`` must look at: markup's own (``<>&``), line breaks, controls, and every
    character DejaVu Sans lacks (a class of the covered ranges, negated; searched in C)."""
    covered = sorted(
        code for code in _covered() if code > 0x20 and code not in (0x26, 0x3C, 0x3E) and code <= 0xFFFF
    )
    ranges: list[tuple[int, int]] = []
    for code in covered:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    body = "".join(
        re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
        for low, high in ranges
    )
    return re.compile(f"[^ {body}]")


def is_plain(text: str) -> bool:
    """Whether ``text`` sets as is in DejaVu Sans: no markup character, line break or missing glyph."""
    return _special().search(text) is None


def _in(ranges: tuple[tuple[int, int], ...], code: int) -> bool:
    return any(low <= code <= high for low, high in ranges)


def font_for(char: str) -> str | None:
    """The font a character is set in: None for the paragraph's own, a CID font name for Asian
    scripts, ``""`` when no font has it (it is replaced)."""
    code = ord(char)
    if code > 0xFFFF:
        return ""  # beyond the BMP (emoji): reportlab's text map for extraction cannot carry them
    if code in _covered():
        return None
    if _in(_CJK_RANGES, code):
        return CJK_FONT
    if _in(_HANGUL_RANGES, code):
        return HANGUL_FONT
    return ""


def clean(text: str) -> str:
    """Without control characters (tab and line breaks kept), composed (NFC)."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n")))


def markup(text: str) -> str:
    """Paragraph markup for a person's text: escaped, line breaks kept, Asian runs in their fonts."""
    if is_plain(text):
        return text  # the common case, decided by one regular expression search
    out: list[str] = []
    run_font: str | None = None
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        body = escape("".join(run)).replace("\n", "<br/>")
        out.append(body if run_font is None else f'<font face="{run_font}">{body}</font>')
        run.clear()

    for char in clean(text):
        font = None if char in "\n\t " else font_for(char)
        if font == "":
            font, char = None, REPLACEMENT
        if font != run_font:
            flush()
            run_font = font
        run.append(char)
    flush()
    return "".join(out)


def plain(text: str) -> str:
    """Text for a cell drawn without markup, in DejaVu Sans only: what it lacks becomes U+FFFD."""
    if is_plain(text):
        return text
    spaced = clean(text).replace("\n", " ").replace("\t", " ")
    return "".join(char if char == " " or font_for(char) is None else REPLACEMENT for char in spaced)
