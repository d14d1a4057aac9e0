"""SQL pieces that reports of several apps share: time between two columns, and medians.

PostgreSQL computes a median with ``percentile_cont(0.5)``; SQLite has no such aggregate, so there
it is the mean of the middle one or two rows numbered by window functions, which is the same value.
Either way it is one query per grouping, whatever the number of rows or groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Aggregate, FloatField, Func, QuerySet

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


class HoursBetween(Func):
    """Hours from the second expression to the first (``end``, ``start``), as a double."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)::double precision"
        return super().as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        template = "((julianday(%(expressions)s)) * 24.0)"
        return super().as_sql(compiler, connection, template=template, arg_joiner=") - julianday(", **extra)


class Median(Aggregate):
    """``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``: PostgreSQL's ordered-set aggregate."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


_SQLITE_MEDIAN = """
    SELECT g, AVG(h) FROM (
        SELECT {group} AS g, d.{value} AS h,
               ROW_NUMBER() OVER (PARTITION BY {group} ORDER BY d.{value}) AS n,
               COUNT(*) OVER (PARTITION BY {group}) AS c
        FROM ({inner}) AS d
    ) AS ranked
    WHERE n IN ((c + 1) / 2, (c + 2) / 2)
    GROUP BY g
"""


def medians(qs: QuerySet[Any], *, value: str, group: str) -> tuple[dict[Any, float], float | None]:
    """The median of the annotation ``value`` per ``group`` (a column) and over all rows: two queries.

    ``qs`` carries the annotation and no ordering; rows whose value is null are left out.
    """
    rows = qs.filter(**{f"{value}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        per_group = dict(rows.values(group).annotate(median=Median(value)).values_list(group, "median"))
        overall = rows.aggregate(median=Median(value))["median"]
        return per_group, overall
    # The inner query's columns are the group's column and the annotation's name.
    inner, params = rows.values_list(group, value).query.sql_with_params()
    column = rows.model._meta.get_field(group).column
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_MEDIAN.format(group=f"d.{column}", value=value, inner=inner), params)
        per_group = dict(cursor.fetchall())
        cursor.execute(_SQLITE_MEDIAN.format(group="'all'", value=value, inner=inner), params)
        row = cursor.fetchone()
    return per_group, (row[1] if row else None)
