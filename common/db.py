"""Plain-SQL plumbing for the hot paths: insert a model instance, load rows into models.

The decision runs a dozen statements per request, and on a small machine building each
of them through the ORM cost more CPU than PostgreSQL spends answering it (bench/README.md).
These helpers write and read exactly the rows the ORM would, with the ORM's own value
preparation and type converters (JSON, dates, decimals come out as through a QuerySet),
but build each statement once per process instead of once per call.

PostgreSQL only (through psycopg2). Every statement takes **named parameters**:
``%(name)s`` placeholders and a dict, so a statement that uses a value twice names it
once and nobody counts positions (write a literal ``%`` as ``%%``).

What ``insert()`` skips, on purpose: ``save()`` overrides and ``pre_save``/``post_save``
receivers. It refuses (``TypeError``, naming the model) a model that has either, so such
a model goes through the ORM instead of silently losing that logic (docs/style.md: no
logic in ``save()`` or signals). The check runs once per model, when its INSERT is
first built: connect receivers at start-up (``AppConfig.ready``), as Django advises.

This module imports only Django, so every app may use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model
from django.db.models.fields.mixins import FieldCacheMixin
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=Model)

Params = Mapping[str, Any]


class _InsertPlan(NamedTuple):
    sql: str  # INSERT … VALUES (%(attname)s, …), without RETURNING
    returning: str  # " RETURNING <pk>"
    fields: list[Field]


_INSERTS: dict[tuple[str, type[Model]], _InsertPlan] = {}


def _refuse_hidden_logic(model: type[Model]) -> None:
    """insert() writes the row and nothing else: refuse a model that expects more."""
    label = model._meta.label
    if model.save is not Model.save:
        raise TypeError(
            f"common.db.insert() cannot write {label}: {label} overrides save(), which "
            "insert() would skip. Write it through the ORM (objects.create())."
        )
    signals = (("pre_save", pre_save), ("post_save", post_save))
    hooked = [name for name, signal in signals if signal.has_listeners(model)]
    if hooked:
        raise TypeError(
            f"common.db.insert() cannot write {label}: it has {' and '.join(hooked)} "
            "receivers, which insert() would skip. Write it through the ORM (objects.create())."
        )


def _insert_plan(model: type[Model], using: str) -> _InsertPlan:
    plan = _INSERTS.get((using, model))
    if plan is None:
        _refuse_hidden_logic(model)
        meta = model._meta
        fields = [
            field
            for field in meta.local_concrete_fields
            if field is not meta.pk and not getattr(field, "generated", False)
        ]
        qn = connections[using].ops.quote_name
        plan = _INSERTS[(using, model)] = _InsertPlan(
            sql=(
                f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
                f"VALUES ({', '.join(f'%({f.attname})s' for f in fields)})"
            ),
            returning=f" RETURNING {qn(meta.pk.column)}",
            fields=fields,
        )
    return plan


def _insert_params(instance: Model, plan: _InsertPlan, connection) -> dict[str, Any]:
    return {
        field.attname: field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in plan.fields
    }


def insert(instance: M, *, batch: Batch | None = None, using: str = DEFAULT_DB_ALIAS) -> M:
    """INSERT a new instance (its pk unset) in one statement; sets its pk and returns it.

    The same row ``Model.objects.create(...)`` writes; raises TypeError for a model with
    a ``save()`` override or save signal receivers (see the module doc). With ``batch``,
    the INSERT joins the batch instead, and the pk stays unset.
    """
    if batch is not None:
        return batch.insert(instance)
    connection = connections[using]
    plan = _insert_plan(type(instance), using)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql + plan.returning, _insert_params(instance, plan, connection))
        pk = cursor.fetchone()[0]
    meta = instance._meta
    setattr(instance, meta.pk.attname, meta.pk.to_python(pk))
    instance._state.adding = False
    instance._state.db = using
    return instance


def insert_or_skip(instance: M, *, constraint: str, using: str = DEFAULT_DB_ALIAS) -> M | None:
    """``insert()`` unless the row would break the unique ``constraint``: ``INSERT …
    ON CONFLICT ON CONSTRAINT <constraint> DO NOTHING``. Returns the instance with its
    pk, or None when such a row exists. A skipped duplicate raises nothing, so the
    caller's transaction needs no savepoint to survive it."""
    connection = connections[using]
    plan = _insert_plan(type(instance), using)
    sql = (
        f"{plan.sql} ON CONFLICT ON CONSTRAINT {connection.ops.quote_name(constraint)} "
        f"DO NOTHING{plan.returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _insert_params(instance, plan, connection))
        row = cursor.fetchone()
    if row is None:
        return None
    meta = instance._meta
    setattr(instance, meta.pk.attname, meta.pk.to_python(row[0]))
    instance._state.adding = False
    instance._state.db = using
    return instance


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
            # Field.get_db_converters exists in Django but is missing from django-stubs.
            field_converters = field.get_db_converters(connection)  # type: ignore[attr-defined]
            converters = connection.ops.get_db_converters(column) + field_converters
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
    field = type(instance)._meta.get_field(field_name)
    assert isinstance(field, FieldCacheMixin), f"{field_name} is not a relation"
    field.set_cached_value(instance, value)


def select(model: type[M], alias: str, sql: str, params: Params | None = None) -> list[M]:
    """Run ``sql``, whose SELECT list is ``{columns}`` (filled in with the model's columns
    under ``alias``), with the named ``params``, and load every row as an instance. A
    faster ``Model.objects.raw()``."""
    rows = loader(model, alias)
    with connections[rows.using].cursor() as cursor:
        cursor.execute(sql.format(columns=rows.columns), params or {})
        # Every row has its primary key (no LEFT JOIN on the model's own table).
        return cast(list[M], [rows.load(row) for row in cursor.fetchall()])


_JOINED_SQL: dict[tuple[str, tuple[tuple[type[Model], str], ...]], str] = {}


def select_one(
    sql: str, params: Params, parts: Sequence[tuple[type[Model], str]]
) -> list[Model | None] | None:
    """Run ``sql``, whose SELECT list is ``{columns}`` (the columns of every
    ``(model, alias)`` in ``parts``, in order), with the named ``params``, and load its
    one row as one instance per part (None for a LEFT JOIN that found nothing); None when
    there is no row.

    For a row joined over several tables; relate the pieces with ``relate()``.
    """
    parts = tuple(parts)
    loaders = [loader(model, alias) for model, alias in parts]
    full = _JOINED_SQL.get((sql, parts))
    if full is None:
        columns = ", ".join(rows.columns for rows in loaders)
        full = _JOINED_SQL[(sql, parts)] = sql.format(columns=columns)
    with connections[loaders[0].using].cursor() as cursor:
        cursor.execute(full, params)
        row = cursor.fetchone()
    if row is None:
        return None
    loaded, start = [], 0
    for rows in loaders:
        loaded.append(rows.load(row, start))
        start += rows.width
    return loaded


def plan_caches_reset() -> None:
    """Forget every INSERT plan, loader and joined or renumbered statement built so far.

    For tests (each starts without another's cached state) or after a schema change;
    the next call rebuilds what it needs.
    """
    _INSERTS.clear()
    _LOADERS.clear()
    _JOINED_SQL.clear()
    _numbered.cache_clear()


# A placeholder, or an escaped percent sign (which must stay as it is).
_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s")


@lru_cache(maxsize=256)
def _numbered(sql: str, index: int) -> str:
    """``sql`` with every ``%(name)s`` renamed ``%(s<index>_name)s`` (built once)."""
    return _PLACEHOLDER.sub(
        lambda found: found[0] if found[1] is None else f"%(s{index}_{found[1]})s", sql
    )


class Batch:
    """Write statements sent to PostgreSQL together, in the order added, in ONE round trip.

    They go as one simple query (``"a; b; c"``; psycopg2 puts the parameters in on the
    client). Each round trip costs both sides more CPU than a small statement's own work
    (bench/README.md), so a write path that ends with several statements whose results
    nobody reads batches them.

    Parameters: each statement is added with its OWN named parameters (``%(name)s`` and a
    dict), exactly as it would run alone, so two statements may both use ``%(id)s`` or
    two inserts share column names. ``run()`` keeps them apart by renaming statement
    ``i``'s placeholders ``%(s<i>_name)s`` and its keys to match (the renamed SQL is
    cached, so it is built once per statement and position).

    Only the last statement's row count can be seen, so a statement whose row count
    matters (``rows=``) must be the last one added; ``run()`` raises ``error`` when the
    count differs. Call ``run()`` inside the transaction the statements belong to.
    """

    def __init__(self, *, using: str = DEFAULT_DB_ALIAS):
        self.using = using
        self._statements: list[tuple[str, Params]] = []
        self._check: tuple[int, Exception] | None = None

    def add(
        self,
        sql: str,
        params: Params | None = None,
        *,
        rows: int | None = None,
        error: Exception | None = None,
    ) -> None:
        if self._check is not None:
            raise RuntimeError("a statement whose row count is checked must be the last one")
        if params is not None and not isinstance(params, Mapping):
            raise TypeError("Batch.add() takes named parameters: %(name)s and a dict")
        self._statements.append((sql, params or {}))
        if rows is not None:
            self._check = (rows, error or RuntimeError(f"expected {rows} rows: {sql}"))

    def insert(self, instance: M) -> M:
        """Add the INSERT of a new instance; its pk stays unset (nobody reads it back)."""
        plan = _insert_plan(type(instance), self.using)
        self.add(plan.sql, _insert_params(instance, plan, connections[self.using]))
        return instance

    def run(self) -> None:
        if not self._statements:
            return
        sql: list[str] = []
        params: dict[str, Any] = {}
        for index, (statement, values) in enumerate(self._statements):
            sql.append(_numbered(statement, index))
            params.update((f"s{index}_{name}", value) for name, value in values.items())
        with connections[self.using].cursor() as cursor:
            cursor.execute("; ".join(sql), params)
            rowcount = cursor.rowcount
        self._statements = []
        if self._check is not None:
            expected, error = self._check
            self._check = None
            if rowcount != expected:
                raise error
