"""Report queries compiled once per shape, then re-run with the caller's dates and ids.

Building a report's queryset (``scope_rows``, lookups, conditional aggregates) and compiling it to
SQL costs about as much Python time as the database spends running it on an indexed window. Yet
the SQL text depends only on the query's *shape*: the report, the database, the caller (role, id,
organization: what ``scope_rows`` adds) and which filters are set. The dates and ids the caller
picked are mere parameters. So a shape is built once with marker values in place of those
parameters; where the markers land among the compiled parameters tells where each value goes,
and later calls of the same shape only fill the values in and execute.

Safety net: the first call of a shape also builds the query with the real values and checks that
the filled-in template gives exactly the same SQL and parameters. A shape that does not (a value
that changes the SQL text, or a marker that did not come through) is never reused and is built
afresh on every call, so a template can only ever say what the ORM would have said.
"""

import datetime as dt
import enum
from collections.abc import Callable, Mapping, Sequence
from itertools import count
from typing import Any, Final

from django.core.exceptions import EmptyResultSet
from django.db import connections

from core.replica import read_alias

Build = Callable[[Mapping[str, object]], tuple[str, Sequence[Any]]]

_MAX_SHAPES = 1000
# Marker values no report filter can hold: ids far below any real (positive) id but inside a
# 32-bit column's range (Django turns out-of-range integer lookups into empty results), dates in
# year 1. Each marker also appears as text, which is how SQLite receives dates.
_FIRST_INT_MARKER = -2_000_000_000
_FIRST_DATE_MARKER = dt.date(1, 1, 1)


class _Template:
    __slots__ = ("sql", "slots")

    def __init__(self, sql: str, slots: list[tuple[str | None, bool, object]]):
        self.sql = sql
        # One entry per parameter: (value name or None for a constant, as_text, constant).
        self.slots = slots

    def params(self, values: Mapping[str, object]) -> list[object]:
        return [
            constant if name is None else (str(values[name]) if as_text else values[name])
            for name, as_text, constant in self.slots
        ]


def _markers(values: Mapping[str, object]) -> dict[str, object]:
    ints, days = count(), count()
    markers: dict[str, object] = {}
    for name, value in values.items():
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            markers[name] = _FIRST_DATE_MARKER + dt.timedelta(days=next(days))
        elif isinstance(value, int) and not isinstance(value, bool):
            markers[name] = _FIRST_INT_MARKER - next(ints)
        else:
            raise TypeError(f"{name}: only ids and dates are parameters, not {type(value).__name__}")
    return markers


class _Unusable(enum.Enum):
    """A shape whose template would not give the real SQL: built afresh on every call."""

    UNUSABLE = enum.auto()


_UNUSABLE: Final = _Unusable.UNUSABLE

_templates: dict[tuple[object, ...], _Template | _Unusable] = {}


def _template(build: Build, values: Mapping[str, object]) -> _Template | _Unusable:
    """A template for this shape, or ``_UNUSABLE`` when filling it in would not give the real SQL."""
    markers = _markers(values)
    where: dict[tuple[type, object], tuple[str | None, bool]] = {}
    for name, marker in markers.items():
        where[(type(marker), marker)] = (name, False)
        where[(str, str(marker))] = (name, True)
    try:
        sql, params = build(markers)
        real_sql, real_params = build(values)
    except EmptyResultSet:
        return _UNUSABLE
    slots: list[tuple[str | None, bool, object]] = []
    for param in params:
        slot, as_text = where.get((type(param), param), (None, False))
        slots.append((slot, as_text, None if slot else param))
    template = _Template(sql, slots)
    if sql != real_sql or template.params(values) != list(real_params):
        return _UNUSABLE
    return template


def fetch_all(key: tuple[object, ...], build: Build, values: Mapping[str, object]) -> list[tuple[Any, ...]]:
    """Rows of the query ``build(values)`` compiles to, reusing the compiled SQL of ``key``.

    ``key`` must name everything the SQL text depends on besides ``values`` (which are ids and
    dates only); the database vendor is added here. A query that can match nothing (the ORM's
    ``none()``) returns no rows without a round trip, as the ORM would.
    """
    connection = connections[read_alias()]
    key = (connection.vendor, *key)
    template = _templates.get(key)
    if template is None:
        if len(_templates) >= _MAX_SHAPES:
            _templates.clear()
        template = _templates[key] = _template(build, values)
    if template is _UNUSABLE:
        try:
            sql, params = build(values)
        except EmptyResultSet:
            return []
    else:
        sql, params = template.sql, template.params(values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
