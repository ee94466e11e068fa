"""Plain-SQL plumbing for the hot paths: insert a model instance, load rows into models.

The decision runs a dozen statements per request, and on a small machine building each
of them through the ORM cost more CPU than PostgreSQL spends answering it (bench/README.md).
These helpers write and read exactly the rows the ORM would, with the ORM's own value
preparation and type conversion (so SQLite's decimals, dates and JSON stay exact), but
build each statement once per model instead of once per call.

What they skip, on purpose: ``save()`` overrides and model signals. Models inserted this
way must have neither (none in this project has; see STYLE.md, "no logic in save()").

This module imports only Django, so every app may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)

_INSERTS: dict[tuple[str, type[Model]], tuple[str, list[Field], bool]] = {}


def insert(instance: M, *, using: str = DEFAULT_DB_ALIAS) -> M:
    """INSERT a new instance (its pk unset) in one statement; sets its pk and returns it.

    The same row ``Model.objects.create(...)`` writes, minus ``save()`` and signals.
    """
    connection = connections[using]
    model = type(instance)
    plan = _INSERTS.get((connection.alias, model))
    if plan is None:
        plan = _INSERTS[(connection.alias, model)] = _insert_plan(model, connection)
    sql, fields, returning = plan
    params = _insert_params(instance, fields, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    meta = model._meta
    setattr(instance, meta.pk.attname, meta.pk.to_python(pk))
    instance._state.adding = False
    instance._state.db = using
    return instance


def _insert_fields(model: type[Model]) -> list[Field]:
    meta = model._meta
    return [
        field
        for field in meta.local_concrete_fields
        if field is not meta.pk and not getattr(field, "generated", False)
    ]


def _insert_params(instance: Model, fields: list[Field], connection) -> list[Any]:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def _insert_plan(model: type[Model], connection) -> tuple[str, list[Field], bool]:
    meta = model._meta
    fields = _insert_fields(model)
    qn = connection.ops.quote_name
    returning = connection.features.can_return_columns_from_insert
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
        + (f" RETURNING {qn(meta.pk.column)}" if returning else "")
    )
    return sql, fields, returning


class Loader:
    """Columns of one model under a table alias, and rows of them turned into instances.

    ``Loader(Case, "c").columns`` is the SELECT list; ``load(row, start)`` builds the
    instance from ``row[start:start + width]`` with the backend's converters (as a
    QuerySet would), or returns None when the row's primary key is NULL (a LEFT JOIN
    that found nothing).
    """

    def __init__(self, model: type[Model], alias: str, *, using: str = DEFAULT_DB_ALIAS):
        connection = connections[using]
        meta = model._meta
        self.model = model
        self.using = using
        self.fields = list(meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self.width = len(self.fields)
        self.pk_index = self.fields.index(meta.pk)
        qn = connection.ops.quote_name
        self.columns = ", ".join(f"{qn(alias)}.{qn(field.column)}" for field in self.fields)
        self._converters: list[tuple[int, list[Callable[..., Any]], Any]] = []
        for index, field in enumerate(self.fields):
            column = field.get_col(alias)
            converters = connection.ops.get_db_converters(column) + field.get_db_converters(
                connection
            )
            if converters:
                self._converters.append((index, converters, column))

    def load(self, row: Sequence[Any], start: int = 0) -> Model | None:
        values = list(row[start : start + self.width])
        if values[self.pk_index] is None:
            return None
        connection = connections[self.using]
        for index, converters, column in self._converters:
            value = values[index]
            for converter in converters:
                value = converter(value, column, connection)
            values[index] = value
        return self.model.from_db(self.using, self.attnames, values)


_LOADERS: dict[tuple[str, type[Model], str], Loader] = {}


def loader(model: type[Model], alias: str, *, using: str = DEFAULT_DB_ALIAS) -> Loader:
    """A cached ``Loader`` (building one reads the model's meta and the converters)."""
    key = (using, model, alias)
    found = _LOADERS.get(key)
    if found is None:
        found = _LOADERS[key] = Loader(model, alias, using=using)
    return found


def relate(instance: Model, field_name: str, value: Model | None) -> None:
    """Cache ``value`` as ``instance.<field_name>`` (what select_related does)."""
    type(instance)._meta.get_field(field_name).set_cached_value(instance, value)


def select(model: type[M], alias: str, sql: str, params: Sequence[Any]) -> list[M]:
    """Run ``sql``, whose SELECT list is ``{columns}`` (filled in with the model's columns
    under ``alias``), and load every row as an instance. A faster ``Model.objects.raw()``."""
    rows = loader(model, alias)
    connection = connections[rows.using]
    with connection.cursor() as cursor:
        cursor.execute(sql.format(columns=rows.columns), params)
        return [rows.load(row) for row in cursor.fetchall()]


class Batch:
    """Write statements sent to the database together, in the order added.

    On PostgreSQL they go as ONE round trip (``"a; b; c"`` in one simple query; psycopg2
    puts the parameters in on the client); elsewhere one by one. Each round trip costs
    both sides more CPU than a small statement's own work (bench/README.md), so a write
    path that ends with several statements whose results nobody reads batches them.

    Only the last statement's row count can be seen, so a statement whose row count
    matters (``rows=``) must be the last one added; ``run()`` raises ``error`` when the
    count differs. Call ``run()`` inside the transaction the statements belong to.
    """

    def __init__(self, *, using: str = DEFAULT_DB_ALIAS):
        self.using = using
        self._statements: list[tuple[str, list[Any]]] = []
        self._check: tuple[int, Exception] | None = None

    def add(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        rows: int | None = None,
        error: Exception | None = None,
    ) -> None:
        if self._check is not None:
            raise RuntimeError("a statement whose row count is checked must be the last one")
        self._statements.append((sql, list(params)))
        if rows is not None:
            self._check = (rows, error or RuntimeError(f"expected {rows} rows: {sql}"))

    def insert(self, instance: M) -> M:
        """Add the INSERT of a new instance; its pk stays unset (nobody reads it back)."""
        connection = connections[self.using]
        fields = _insert_fields(type(instance))
        qn = connection.ops.quote_name
        sql = (
            f"INSERT INTO {qn(instance._meta.db_table)} "
            f"({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        self.add(sql, _insert_params(instance, fields, connection))
        return instance

    def run(self) -> None:
        if not self._statements:
            return
        connection = connections[self.using]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "; ".join(sql for sql, _ in self._statements),
                    [param for _, params in self._statements for param in params],
                )
            else:
                for sql, params in self._statements:
                    cursor.execute(sql, params)
            rowcount = cursor.rowcount
        self._statements = []
        if self._check is not None:
            expected, error = self._check
            self._check = None
            if rowcount != expected:
                raise error
