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
from decimal import ROUND_HALF_UP, Decimal

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
    "section",
    "item",
    "value",
    "na",
    "item_score",
    "comment",
)
AUDITOR_COLUMN = "auditor"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Row indexes (in selectors.EXPORT_FIELDS order) holding free text that must be neutralized.
_TEXT_COLUMNS = (5, 6, 7, 8, 12, 13, 17)


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
        self.quantum = Decimal(1).scaleb(-places)
        self.memo: dict[float, str] = {}

    def __call__(self, value) -> str:
        if value is None:
            return ""
        text = self.memo.get(value)
        if text is None:
            text = str(Decimal(repr(float(value))).quantize(self.quantum, rounding=ROUND_HALF_UP))
            if len(self.memo) < 100_000:
                self.memo[value] = text
        return text


def header(*, with_auditor: bool) -> list[str]:
    return [*COLUMNS, AUDITOR_COLUMN] if with_auditor else list(COLUMNS)


def stream_csv(rows: Iterable[tuple], *, with_auditor: bool, rows_per_chunk: int = 2000) -> Iterator[bytes]:
    """Yield the CSV as UTF-8 byte chunks of ``rows_per_chunk`` rows (header first).

    Rows come grouped by visit, so the visit's columns are rendered once per visit and reused
    for each of its answers; the few distinct item keys, values and scores are memoized. This is
    what keeps the export well above 100k rows per second in one Python process.
    """
    two, four = _Decimals(2), _Decimals(4)
    text = _Memo(neutralize)
    values = _Memo(_format_value, keyed_by_type=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(with_auditor=with_auditor))
    lines: dict = {}
    line_buffer = io.StringIO()
    line_writer = csv.writer(line_buffer, lineterminator="\r\n")
    prefix_buffer = io.StringIO()
    prefix_writer = csv.writer(prefix_buffer, lineterminator="")
    current_visit = None
    prefix = ""
    tail: list[str] = []
    pending = 0
    for row in rows:
        if row[0] != current_visit:
            current_visit = row[0]
            started = row[3]
            prefix_buffer.seek(0)
            prefix_buffer.truncate()
            prefix_writer.writerow(
                (
                    str(row[0]),
                    row[1],
                    row[2],
                    started.astimezone(dt.UTC).isoformat() if started else "",
                    row[4].isoformat() if row[4] else "",
                    neutralize(row[5] or ""),
                    neutralize(row[6] or ""),
                    neutralize(row[7] or ""),
                    neutralize(row[8] or ""),
                    row[9],
                    two(row[10]),
                    "true" if row[11] else "false",
                    "",  # leaves the separator before the answer columns
                )
            )
            prefix = prefix_buffer.getvalue()
            tail = [neutralize(row[18] or "")] if with_auditor else []
        buffer.write(prefix)
        # The answer columns repeat a lot (item, value, score, empty comment): render each distinct
        # combination once. The value's type is part of the key (True == 1 in a dict).
        try:
            key = (type(row[14]), *row[12:])
            line = lines.get(key)
        except TypeError:  # an unhashable value (list, object)
            key, line = None, None
        if line is None:
            line_buffer.seek(0)
            line_buffer.truncate()
            line_writer.writerow(
                [
                    text(row[12] or ""),
                    text(row[13] or ""),
                    values(row[14]),
                    "true" if row[15] else "false",
                    four(row[16]),
                    neutralize(row[17]) if row[17] else "",
                    *tail,
                ]
            )
            line = line_buffer.getvalue()
            if key is not None and not row[17] and len(lines) < 50_000:
                lines[key] = line
        buffer.write(line)
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    rest = buffer.getvalue()
    if rest:
        yield rest.encode()


class _Memo:
    """Memoize a formatter over the few distinct values an export repeats (bounded)."""

    def __init__(self, format_value, *, keyed_by_type: bool = False, limit: int = 10_000):
        self.format_value = format_value
        self.keyed_by_type = keyed_by_type
        self.limit = limit
        self.memo: dict = {}

    def __call__(self, value) -> str:
        try:
            key = (type(value), value) if self.keyed_by_type else value
            text = self.memo.get(key)
        except TypeError:  # unhashable (a list answer): format it every time
            return self.format_value(value)
        if text is None:
            text = self.format_value(value)
            if len(self.memo) < self.limit:
                self.memo[key] = text
        return text
