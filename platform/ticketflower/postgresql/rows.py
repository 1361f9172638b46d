"""SQL written once for the hottest reads and writes (a submission, an action's step).

Django compiles a queryset's SQL every time it runs one; on an action that compiling cost
more CPU than PostgreSQL spent on the queries. These helpers build a select list from a
model's fields once and turn a row back into a model instance with Django's own `from_db`
and field converters, and build INSERTs and UPDATEs as Django's compilers do (same SQL,
same prepared values: tests/platform/test_rows.py), so the rest of the code sees ordinary
model instances. Table names stay unqualified: the connection's search path picks the
company's schema, as it does for every ORM query.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model


@cache
def table(model: type[Model]) -> str:
    """The model's quoted table name."""
    return connection.ops.quote_name(model._meta.db_table)


@cache
def select_list(model: type[Model], alias: str) -> str:
    """`alias."col", ...` for every concrete field, in `_meta.concrete_fields` order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def width(model: type[Model]) -> int:
    """How many columns `select_list(model, ...)` selects."""
    return len(model._meta.concrete_fields)


def from_row(model: type[Model], values: tuple | list) -> Model:
    """The model instance of a row selected with `select_list(model, ...)`."""
    fields = model._meta.concrete_fields
    converted = [_convert(field, value) for field, value in zip(fields, values, strict=True)]
    return model.from_db(DEFAULT_DB_ALIAS, _attnames(model), converted)


def column_value(model: type[Model], field_name: str, value: Any) -> Any:
    """A selected column's value as the model's field gives it (JSON decoded, say)."""
    return _convert(model._meta.get_field(field_name), value)


def partial(model: type[Model], **values: Any) -> Model:
    """An instance with only these fields loaded (the others load on access, as deferred)."""
    # from_db takes the values in the order of the model's fields, whatever the names' order.
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    if len(names) != len(values):
        raise TypeError(f"not all fields of {model.__name__}: {sorted(values)}")
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


def insert(
    model: type[Model], objs: list[Model], *, returning_pk: bool = False
) -> tuple[str, list]:
    """The INSERT of `objs` (all with or all without ids) and its parameters: what Django's
    insert compiler writes — values through each field's `pre_save` and `get_db_prep_save`,
    casts from `get_placeholder` — without running the compiler."""
    db = connections[DEFAULT_DB_ALIAS]  # once: the `connection` proxy looks it up per use
    meta = model._meta
    quote = db.ops.quote_name
    fields = [f for f in meta.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    params: list = []
    tuples = []
    for obj in objs:
        marks = []
        for field in fields:
            value = field.get_db_prep_save(field.pre_save(obj, True), db)
            marks.append(_placeholder(field, value, db))
            params.append(value)
        tuples.append(f"({', '.join(marks)})")
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES {', '.join(tuples)}"
    )
    if returning_pk:
        sql += f" RETURNING {quote(meta.db_table)}.{quote(meta.pk.column)}"
    return sql, params


def mark_saved(objs: Iterable[Model]) -> None:
    """Rows written by `insert` are stored now: as after `save()`, Django must not take
    them for new ones (a later save would INSERT again, a uniqueness check would differ)."""
    for obj in objs:
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


def update(
    model: type[Model], values: dict[str, Any], where: str, where_params: list
) -> tuple[str, list]:
    """`UPDATE table SET ... WHERE <where>` with values prepared as Django's update compiler
    prepares them; `where` is SQL over the table's quoted columns."""
    db = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    quote = db.ops.quote_name
    sets, params = [], []
    for name, value in values.items():
        field = meta.get_field(name)
        if value is None:
            sets.append(f"{quote(field.column)} = NULL")
            continue
        value = field.get_db_prep_save(value, db)
        sets.append(f"{quote(field.column)} = {_placeholder(field, value, db)}")
        params.append(value)
    sql = f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} WHERE {where}"
    return sql, params + list(where_params)


def _placeholder(field: Any, value: Any, db: Any) -> str:
    get_placeholder = getattr(field, "get_placeholder", None)
    return get_placeholder(value, None, db) if get_placeholder else "%s"


@cache
def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _convert(field: Any, value: Any) -> Any:
    # JSONField (psycopg hands it over as text, decoded here, as the ORM does).
    from_db_value = getattr(field, "from_db_value", None)
    return from_db_value(value, None, connection) if from_db_value and value is not None else value
