"""Many plain rows into one table, straight to the driver's executemany.

Why not `connection.execute(insert(table), rows)`: for every row SQLAlchemy
builds the parameter set again (`construct_params`) and runs each column's bind
processor, a Python round trip per row and column that cost a 500-record push
more than the database's own work. Here the statement is compiled once per
table, dialect and set of columns (and cached), and only the columns whose type
has a bind processor on this dialect (on SQLite: date-times, booleans) are
converted, by the same processors SQLAlchemy would use: the stored rows are
identical. Everything runs on the caller's connection, in its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter


@dataclass(frozen=True)
class _Prepared:
    sql: str
    positional: bool
    names: tuple[str, ...]  # parameter order (positional) or names (named)
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]


_CACHE: dict[tuple[str, int, tuple[str, ...], tuple[tuple[str, Any], ...]], _Prepared] = {}


def _prepare(
    conn: Connection, table: Table, keys: tuple[str, ...], values: dict[str, Any]
) -> _Prepared:
    dialect = conn.dialect
    cache_key = (dialect.name, id(table), keys, tuple((k, id(v)) for k, v in values.items()))
    prepared = _CACHE.get(cache_key)
    if prepared is not None:
        return prepared
    statement = insert(table).values(**values) if values else insert(table)
    column_keys = [k for k in keys if k in table.c and k not in values] + list(values)
    compiled = statement.compile(dialect=dialect, column_keys=column_keys)
    processors: list[tuple[str, Callable[[Any], Any]]] = []
    for bind in compiled.binds.values():
        if not isinstance(bind, BindParameter):
            continue
        processor = bind.type._cached_bind_processor(dialect)
        if processor is not None and bind.key in keys:
            processors.append((bind.key, processor))
    positional = bool(compiled.positiontup)
    names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
    prepared = _Prepared(compiled.string, positional, names, tuple(processors))
    if len(_CACHE) > 256:  # `values` should be module constants; never grow without end
        _CACHE.clear()
    _CACHE[cache_key] = prepared
    return prepared


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    **values: Any,
) -> None:
    """Insert `rows` (dicts with the same keys) into `table`; `values` are
    column expressions of the statement itself (e.g. a cast bind parameter)."""
    if not rows:
        return
    keys = tuple(rows[0])
    prepared = _prepare(conn, table, keys, values)
    converted: list[dict[str, Any]] | Sequence[dict[str, Any]] = rows
    if prepared.processors:
        converted = []
        # A batch shares many values (its `now` in every row's received_at and
        # created_at): each distinct object is converted once.
        done: dict[tuple[str, int], tuple[Any, Any]] = {}
        for row in rows:
            row = dict(row)
            for key, processor in prepared.processors:
                value = row[key]
                if value is not None:
                    seen = done.get((key, id(value)))
                    if seen is None or seen[0] is not value:
                        seen = done[(key, id(value))] = (value, processor(value))
                    row[key] = seen[1]
            converted.append(row)
    if prepared.positional:
        names = prepared.names
        params: Any = [tuple(row[name] for name in names) for row in converted]
    else:
        params = list(converted)
    conn.exec_driver_sql(prepared.sql, params)
