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


def stream_csv(rows: Iterable[tuple], *, with_auditor: bool, rows_per_chunk: int = 1000) -> Iterator[bytes]:
    """Yield the CSV as UTF-8 byte chunks of ``rows_per_chunk`` rows (header first)."""
    two = _Decimals(2)
    four = _Decimals(4)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(with_auditor=with_auditor))
    pending = 0
    for row in rows:
        out = list(row)
        out[0] = str(out[0])
        started = out[3]
        out[3] = started.astimezone(dt.UTC).isoformat() if started else ""
        out[4] = out[4].isoformat() if out[4] else ""
        for index in _TEXT_COLUMNS:
            out[index] = neutralize(out[index] or "")
        out[10] = two(out[10])
        out[11] = "true" if out[11] else "false"
        out[14] = _format_value(out[14])
        out[15] = "true" if out[15] else "false"
        out[16] = four(out[16])
        if with_auditor:
            out[18] = neutralize(out[18] or "")
        writer.writerow(out)
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    tail = buffer.getvalue()
    if tail:
        yield tail.encode()
