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
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    meta = model._meta
    setattr(instance, meta.pk.attname, meta.pk.to_python(pk))
    instance._state.adding = False
    instance._state.db = using
    return instance


def _insert_plan(model: type[Model], connection) -> tuple[str, list[Field], bool]:
    meta = model._meta
    fields = [
        field
        for field in meta.local_concrete_fields
        if field is not meta.pk and not getattr(field, "generated", False)
    ]
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
