"""The visits CSV: one row per answer, streamed in chunks, safe to open in a spreadsheet.

Columns come in a fixed, documented order (``COLUMNS``); ``auditor`` is appended last, for admins
and managers only, so every other column keeps its position whoever exports. Text a person typed
(names, codes, comments, text answers) that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with ``'`` so a spreadsheet shows it instead of running it as a
formula. Numbers and booleans we format ourselves are left alone.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator

from core.validation import round_half_up

from .selectors import ExportAnswerRow, ExportVisitRow

COLUMNS = (
    "visit_id",
    "kind",
    "status",
    "started_at",
    "local_date",
    "region",
    "location_code",
    "location_name",
    "checklist",
    "checklist_version",
    "visit_score",
    "visit_passed",
    "flags",
    "section",
    "item",
    "value",
    "na",
    "item_score",
    "comment",
)
AUDITOR_COLUMN = "auditor"
#: With ``?lang=``: the item's prompt and, for choice items, the chosen option's label, in that
#: language (before ``auditor``).
LANG_COLUMNS = ("prompt", "value_label")

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """Escape a cell a spreadsheet would otherwise evaluate as a formula."""
    if text and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _format_value(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return neutralize(value)
    if isinstance(value, int | float):
        return repr(value)
    return neutralize(json.dumps(value, ensure_ascii=False, sort_keys=True))


class _Decimals:
    """Half-up formatting with a memo: a few distinct scores recur millions of times."""

    def __init__(self, places: int):
        self.places = places
        self.memo: dict[float, str] = {}

    def __call__(self, value) -> str:
        if value is None:
            return ""
        text = self.memo.get(value)
        if text is None:
            text = str(round_half_up(float(value), self.places))
            if len(self.memo) < 100_000:
                self.memo[value] = text
        return text


def header(*, with_auditor: bool, with_texts: bool = False) -> list[str]:
    return [*COLUMNS, *(LANG_COLUMNS if with_texts else ()), *((AUDITOR_COLUMN,) if with_auditor else ())]


def stream_csv(
    visits: Iterable[tuple[ExportVisitRow, list[ExportAnswerRow]]],
    *,
    with_auditor: bool,
    rows_per_chunk: int = 2000,
    texts=None,
) -> Iterator[bytes]:
    """Yield the CSV as UTF-8 byte chunks of about ``rows_per_chunk`` rows (header first).

    ``visits`` yields ``(ExportVisitRow, [ExportAnswerRow, ...])`` (``reports.selectors``), each
    answer's ``value`` as JSON text. A visit's columns are rendered once for all its answers, and
    the answer cells, which repeat a lot (item, value, score, no comment), are rendered once per
    distinct combination: that keeps one Python process well above 100k rows per second.
    With ``texts`` (``selectors.ExportTexts``), each visit row ends with its checklist version's id
    and the ``LANG_COLUMNS`` are filled from it.
    """
    two, four = _Decimals(2), _Decimals(4)
    text = _Memo(neutralize)
    values = _Memo(lambda raw: _format_value(None if raw is None else json.loads(raw)))
    lines: dict = {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(with_auditor=with_auditor, with_texts=texts is not None))
    cell_buffer = io.StringIO()
    # The terminator must contain CR and LF: the writer quotes cells holding its characters.
    cell_writer = csv.writer(cell_buffer, lineterminator="\r\n")
    pending = 0
    for visit, answers in visits:
        started = visit.started_at
        prefix = _render(
            cell_buffer,
            cell_writer,
            (
                str(visit.id),
                visit.kind,
                visit.status,
                started.astimezone(dt.UTC).isoformat() if started else "",
                visit.local_date.isoformat() if visit.local_date else "",
                neutralize(visit.region_code or ""),
                neutralize(visit.location_code or ""),
                neutralize(visit.location_name or ""),
                neutralize(visit.checklist_name or ""),
                visit.checklist_version,
                two(visit.score),
                "true" if visit.passed else "false",
                " ".join(flag.get("code", "") for flag in visit.flags or []),
                "",  # the separator before the answer columns
            ),
        )
        auditor = neutralize(visit.auditor or "") if with_auditor else None
        version_id = visit.checklist_version_id if texts is not None else None
        # Unpacked in ``ExportAnswerRow`` field order (unpacking is the fast path for millions of rows).
        for _, section, item, value, na, score, comment in answers:
            # ``value`` is JSON text: equal texts render equally (and "true" is not "1").
            key = None if comment else (section, item, value, na, score, auditor, version_id)
            line = lines.get(key) if key else None
            if line is None:
                cells = [
                    text(section or ""),
                    text(item or ""),
                    values(value),
                    "true" if na else "false",
                    four(score),
                    neutralize(comment) if comment else "",
                ]
                if texts is not None:
                    prompt, label = texts.cells(version_id, item, value)
                    cells += [neutralize(prompt), neutralize(label)]
                if auditor is not None:  # set exactly when with_auditor
                    cells.append(auditor)
                line = _render(cell_buffer, cell_writer, cells) + "\r\n"
                if key is not None and len(lines) < 50_000:
                    lines[key] = line
            buffer.write(prefix)
            buffer.write(line)
        pending += len(answers)
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    rest = buffer.getvalue()
    if rest:
        yield rest.encode()


def _render(buffer: io.StringIO, writer, cells) -> str:
    buffer.seek(0)
    buffer.truncate()
    writer.writerow(cells)
    return buffer.getvalue()[:-2]  # without the terminator


class _Memo:
    """Memoize a formatter over the few distinct values an export repeats (bounded)."""

    def __init__(self, format_value, *, limit: int = 10_000):
        self.format_value = format_value
        self.limit = limit
        self.memo: dict = {}

    def __call__(self, value) -> str:
        text = self.memo.get(value)
        if text is None:
            text = self.format_value(value)
            if len(self.memo) < self.limit:
                self.memo[value] = text
        return text
