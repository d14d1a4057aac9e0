"""Report queries compiled once per shape, then re-run with the caller's dates and ids.

Building a report's queryset (``scope_rows``, lookups, conditional aggregates) and compiling it to
SQL costs about as much Python time as the database spends running it on an indexed window. Yet
the SQL text depends only on the query's *shape*: the report, the database, the caller (role, id,
organization: what ``scope_rows`` adds) and which filters are set. The dates and ids the caller
picked are mere parameters. So a shape is built once with marker values in place of those
parameters; where the markers land among the compiled parameters tells where each value goes,
and later calls of the same shape only fill the values in and execute.

``fetch_all`` takes a build that gives SQL and parameters (the reports' raw rows);
``fetch_rows`` one that gives a ``values()`` queryset, whose rows it hands back converted by the
ORM's own converters (what an ORM read would give) with their column names (the job board).

Safety net: the first call of a shape also builds the query with the real values and checks that
the filled-in template gives exactly the same SQL and parameters. A shape that does not (a value
that changes the SQL text, or a marker that did not come through) is never reused and is built
afresh on every call, so a template can only ever say what the ORM would have said.
"""

import datetime as dt
import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import count
from typing import Any, Final

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

from core.replica import read_alias

Build = Callable[[Mapping[str, object]], tuple[str, Sequence[Any]]]
QueryBuild = Callable[[Mapping[str, object]], QuerySet[Any, Any]]

_MAX_SHAPES = 1000
# Marker values no filter can hold: ids far below any real (positive) id but inside a 32-bit
# column's range (Django turns out-of-range integer lookups into empty results), dates and instants
# in year 1, tiny negative floats, large negative decimals. Each marker also appears as text, which
# is how SQLite receives dates, and as the database's form of an instant (text on SQLite, in UTC).
_FIRST_INT_MARKER = -2_000_000_000
_FIRST_DATE_MARKER = dt.date(1, 1, 1)
_FIRST_INSTANT_MARKER = dt.datetime(1, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
_FIRST_FLOAT_MARKER = -7.654321e-300
_FIRST_DECIMAL_MARKER = Decimal("-987654.321")


class _Form(enum.Enum):
    """How a value reaches the database driver: as it is, as text, or adapted as an instant."""

    VALUE = enum.auto()
    TEXT = enum.auto()
    INSTANT = enum.auto()
    #: In the driver's numeric wrapper (psycopg's ``Int4`` around a count's bound): the slot keeps it.
    WRAPPED = enum.auto()


class _Template:
    __slots__ = ("sql", "slots", "columns", "converters")

    def __init__(
        self,
        sql: str,
        slots: list[tuple[str | None, _Form, object]],
        columns: list[str] | None = None,
        converters: dict[int, tuple[list[Any], Any]] | None = None,
    ):
        self.sql = sql
        # One entry per parameter: (value name or None for a constant, its form, the constant or,
        # for a wrapped value, its wrapper).
        self.slots = slots
        # For a queryset build: the names of its columns and the ORM's converters of their values.
        self.columns = columns or []
        self.converters = converters or {}

    def params(self, values: Mapping[str, object], connection: BaseDatabaseWrapper) -> list[Any]:
        return [
            constant if name is None else _in_form(values[name], form, constant, connection)
            for name, form, constant in self.slots
        ]


def _in_form(value: object, form: _Form, wrapper: Any, connection: BaseDatabaseWrapper) -> object:
    if form is _Form.TEXT:
        return str(value)
    if form is _Form.INSTANT:
        return connection.ops.adapt_datetimefield_value(value)  # type: ignore[arg-type]
    if form is _Form.WRAPPED:
        return wrapper(value)
    return value


def _slot(
    param: object, where: Mapping[tuple[type, object], tuple[str, _Form]]
) -> tuple[str | None, _Form, object]:
    """Which value ``param`` is a marker of, in what form; or a constant."""
    found = where.get((type(param), param))
    if found:
        return (found[0], found[1], None)
    plain: object = None
    if isinstance(param, int) and type(param) not in (int, bool):
        plain = int(param)
    elif isinstance(param, float) and type(param) is not float:
        plain = float(param)
    if plain is not None:
        found = where.get((type(plain), plain))
        if found and found[1] is _Form.VALUE:
            return (found[0], _Form.WRAPPED, type(param))
    return (None, _Form.VALUE, param)


def _markers(values: Mapping[str, object]) -> dict[str, object]:
    ints, days, instants, floats, decimals = count(), count(), count(), count(), count()
    markers: dict[str, object] = {}
    for name, value in values.items():
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise TypeError(f"{name}: an instant is aware")
            markers[name] = _FIRST_INSTANT_MARKER + dt.timedelta(days=next(instants))
        elif isinstance(value, dt.date):
            markers[name] = _FIRST_DATE_MARKER + dt.timedelta(days=next(days))
        elif isinstance(value, int) and not isinstance(value, bool):
            markers[name] = _FIRST_INT_MARKER - next(ints)
        elif isinstance(value, float):
            markers[name] = _FIRST_FLOAT_MARKER * (1 + next(floats) / 16)
        elif isinstance(value, Decimal):
            markers[name] = _FIRST_DECIMAL_MARKER - next(decimals)
        else:
            raise TypeError(
                f"{name}: only ids, dates, instants, floats and decimals are parameters, "
                f"not {type(value).__name__}"
            )
    return markers


class _Unusable(enum.Enum):
    """A shape whose template would not give the real SQL: built afresh on every call."""

    UNUSABLE = enum.auto()


_UNUSABLE: Final = _Unusable.UNUSABLE

_templates: dict[tuple[object, ...], _Template | _Unusable] = {}


def _template(
    build: Callable[[Mapping[str, object]], _Template],
    values: Mapping[str, object],
    connection: BaseDatabaseWrapper,
) -> _Template | _Unusable:
    """A template for this shape, or ``_UNUSABLE`` when filling it in would not give the real SQL."""
    markers = _markers(values)
    where: dict[tuple[type, object], tuple[str, _Form]] = {}
    for name, marker in markers.items():
        forms = [(marker, _Form.VALUE), (str(marker), _Form.TEXT)]
        if isinstance(marker, dt.datetime):
            forms.append((connection.ops.adapt_datetimefield_value(marker), _Form.INSTANT))
        for form_value, form in forms:
            where.setdefault((type(form_value), form_value), (name, form))
    try:
        marked = build(markers)
        real = build(values)
    except EmptyResultSet:
        return _UNUSABLE
    slots = [_slot(constant, where) for _, _, constant in marked.slots]
    template = _Template(marked.sql, slots, marked.columns, marked.converters)
    # Equal values of other types (3 and Int4(3)) are not the same parameter.
    real_params = [(type(constant), constant) for _, _, constant in real.slots]
    filled = [(type(param), param) for param in template.params(values, connection)]
    if marked.sql != real.sql or marked.columns != real.columns or filled != real_params:
        return _UNUSABLE
    return template


def _raw(build: Build) -> Callable[[Mapping[str, object]], _Template]:
    """A raw build as a template of constants (the SQL and its parameters as they are)."""

    def compile_raw(values: Mapping[str, object]) -> _Template:
        sql, params = build(values)
        return _Template(sql, [(None, _Form.VALUE, param) for param in params])

    return compile_raw


def _compiled(
    build: QueryBuild, connection: BaseDatabaseWrapper
) -> Callable[[Mapping[str, object]], _Template]:
    """A queryset build compiled on ``connection``, with its columns' names and converters."""

    def compile_query(values: Mapping[str, object]) -> _Template:
        query = build(values).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if query.selected is None:
            columns = [*query.extra_select, *query.values_select, *query.annotation_select]
        else:
            columns = list(query.selected)  # values(): its names, in their order
        if query.default_cols or len(columns) != compiler.col_count:
            raise TypeError("fetch_rows reads a values() queryset")
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        return _Template(
            sql,
            [(None, _Form.VALUE, param) for param in params],
            columns,
            compiler.get_converters(fields),
        )

    return compile_query


def _fetch(
    key: tuple[object, ...],
    build: Callable[[BaseDatabaseWrapper], Callable[[Mapping[str, object]], _Template]],
    values: Mapping[str, object],
) -> tuple[_Template | None, list[tuple[Any, ...]]]:
    connection = connections[read_alias()]
    key = (connection.vendor, *key)
    compile_values = build(connection)
    template = _templates.get(key)
    if template is None:
        if len(_templates) >= _MAX_SHAPES:
            _templates.clear()
        template = _templates[key] = _template(compile_values, values, connection)
    if template is _UNUSABLE:
        try:
            template = compile_values(values)
        except EmptyResultSet:
            return None, []
        params: list[Any] = [constant for _, _, constant in template.slots]
    else:
        params = template.params(values, connection)
    with connection.cursor() as cursor:
        cursor.execute(template.sql, params)
        rows = cursor.fetchall()
    if template.converters:
        rows = list(_converted(rows, template.converters, connection))
    return template, rows


def _converted(
    rows: list[tuple[Any, ...]], converters: dict[int, tuple[list[Any], Any]], connection: BaseDatabaseWrapper
) -> Iterator[tuple[Any, ...]]:
    """``rows`` through the ORM's converters, as ``SQLCompiler.apply_converters`` does."""
    plan = list(converters.items())
    for row in rows:
        values = list(row)
        for position, (functions, expression) in plan:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        yield tuple(values)


def fetch_all(key: tuple[object, ...], build: Build, values: Mapping[str, object]) -> list[tuple[Any, ...]]:
    """Rows of the query ``build(values)`` compiles to, reusing the compiled SQL of ``key``.

    ``key`` must name everything the SQL text depends on besides ``values`` (ids, dates, instants,
    floats and decimals only); the database vendor is added here. A query that can match nothing
    (the ORM's ``none()``) returns no rows without a round trip, as the ORM would.
    """
    return _fetch(key, lambda connection: _raw(build), values)[1]


def fetch_rows(
    key: tuple[object, ...], build: QueryBuild, values: Mapping[str, object]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and rows of the ``values()`` queryset ``build(values)``, its values converted
    as an ORM read converts them, reusing the compiled SQL of ``key`` (as ``fetch_all``).

    A query that can match nothing returns no rows (and no names) without a round trip.
    """
    template, rows = _fetch(key, lambda connection: _compiled(build, connection), values)
    return (template.columns if template else []), rows
