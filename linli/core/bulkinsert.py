"""Fast multi-row INSERTs for large writes (imports): the model's own columns, values prepared once.

``bulk_create`` builds SQL and prepares each value through several layers, which costs more than the
database itself at a few hundred thousand rows. Here each column gets one converter from its field
(encryption for encrypted fields, the backend's date and time adaptation, JSON), and the rows go to the
driver as plain parameters. No signals and no ``save()`` run, as with ``bulk_create``.
"""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg.copy import QueuedLibpqWriter

from linli.core import crypto
from linli.core.fields import EncryptedTextField

# Rows per statement when ids come back (RETURNING): far below every backend's parameter limit.
RETURNING_BATCH = 500
EXECUTEMANY_BATCH = 5000


def _column(field: Any) -> str:
    column: str = field.column
    return column


def _same_input_same_output(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # A large insert stamps every row with one timestamp: adapt it once, not per row.
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def _encrypter(context: str) -> Callable[[Any], Any]:
    seal = crypto.encrypter(context=context)

    def encrypted(value: Any) -> Any:
        return seal(str(value)) if value not in (None, "") else value

    return encrypted


def _converter(field: Any, connection: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    """How a column's Python value becomes a driver parameter; None when it goes as it is."""
    if isinstance(field, EncryptedTextField):
        return _encrypter(field.context)
    if isinstance(field, models.DateTimeField):
        return _same_input_same_output(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value  # type: ignore[no-any-return]
    if isinstance(field, models.JSONField):
        return lambda value: json.dumps(value, ensure_ascii=False)
    return None


Converters = list[Callable[[Any], Any] | None]


def _prepared(rows: Iterable[Sequence[Any]], converters: Converters) -> Iterator[list[Any]]:
    converting = [(index, convert) for index, convert in enumerate(converters) if convert is not None]
    for row in rows:
        values = list(row)
        for index, convert in converting:
            values[index] = convert(values[index])
        yield values


def _prepare(rows: Iterable[Sequence[Any]], converters: Converters) -> list[list[Any]]:
    return list(_prepared(rows, converters))


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning_ids: bool = False,
) -> list[int]:
    """Insert ``rows`` (values in the order of ``columns``, model field names); the new ids if asked.

    Ids come back in the order of the rows, as ``bulk_create`` also relies on for PostgreSQL and SQLite.
    """
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    converters = [_converter(f, connection) for f in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(_column(f)) for f in fields)
    table = quote(meta.db_table)
    ids: list[int] = []
    if connection.vendor == "postgresql":
        return _copy_rows(connection, model, names, list(rows), converters, returning_ids=returning_ids)
    prepared = _prepare(rows, converters)
    if not prepared:
        return ids
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if not returning_ids:
            sql = f"INSERT INTO {table} ({names}) VALUES {one}"  # noqa: S608 - names from the model
            for start in range(0, len(prepared), EXECUTEMANY_BATCH):
                cursor.executemany(sql, prepared[start : start + EXECUTEMANY_BATCH])
            return ids
        pk = quote(_column(meta.pk))
        for start in range(0, len(prepared), RETURNING_BATCH):
            batch = prepared[start : start + RETURNING_BATCH]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(batch))} RETURNING {pk}"  # noqa: S608
            cursor.execute(sql, [value for row in batch for value in row])
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def _copy_rows(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    names: str,
    rows: list[Sequence[Any]],
    converters: list[Callable[[Any], Any] | None],
    *,
    returning_ids: bool,
) -> list[int]:
    """COPY, PostgreSQL's own bulk path: one stream, no statement per row. Rows are converted (encrypted)
    as they are sent, and a thread sends them, so the server indexes while Python encrypts. Ids, when
    wanted, are drawn from the table's sequence first and copied with the rows, so they are known in order."""
    meta = model._meta
    quote = connection.ops.quote_name
    ids: list[int] = []
    if not rows:
        return ids
    with connection.cursor() as cursor:
        if returning_ids:
            pk = _column(meta.pk)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            names = f"{quote(pk)}, {names}"
            rows = [(pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)]
            converters = [None, *converters]
        raw = cursor.cursor
        with raw.copy(
            f"COPY {quote(meta.db_table)} ({names}) FROM STDIN", writer=QueuedLibpqWriter(raw)
        ) as copy:
            for row in _prepared(rows, converters):
                copy.write_row(row)
    return ids


def update_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """UPDATE many rows by primary key: each row is ``(pk, value of each column...)``."""
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    converters = [_converter(f, connection) for f in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(_column(f))} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(_column(meta.pk))} = %s"  # noqa: S608
    if connection.vendor == "postgresql":
        _update_through_copy(connection, model, columns, list(rows), converters)
        return
    prepared = _prepare(((*row[1:], row[0]) for row in rows), [*converters, None])
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), EXECUTEMANY_BATCH):
            cursor.executemany(sql, prepared[start : start + EXECUTEMANY_BATCH])


def _update_through_copy(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    columns: Sequence[str],
    rows: list[Sequence[Any]],
    converters: Converters,
) -> None:
    """PostgreSQL: COPY the new values into a temporary table, then one UPDATE joins it by primary key."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    pk = quote(_column(meta.pk))
    names = [quote(_column(meta.get_field(name))) for name in columns]
    table = quote(meta.db_table)
    staging = quote(f"linli_update_{meta.db_table}")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608 - names from the model
            f"SELECT {pk}, {', '.join(names)} FROM {table} WITH NO DATA"
        )
        raw = cursor.cursor
        with raw.copy(f"COPY {staging} ({pk}, {', '.join(names)}) FROM STDIN") as copy:
            for row in _prepared(rows, [None, *converters]):
                copy.write_row(row)
        assignments = ", ".join(f"{name} = staged.{name}" for name in names)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {staging} AS staged "  # noqa: S608
            f"WHERE {table}.{pk} = staged.{pk}"
        )
        cursor.execute(f"DROP TABLE {staging}")


def rows_with_keys(
    model: type[models.Model], key: str, keys: Sequence[Any], columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """``columns`` (model field names, plain columns only) of the rows whose ``key`` is one of ``keys``.

    PostgreSQL takes the keys as one array parameter (``= ANY``): an IN list of thousands of placeholders
    costs more to build and parse than the lookup itself. SQLite takes them in IN lists of 5,000.
    """
    connection = connections[router.db_for_read(model)]
    meta = model._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(_column(meta.get_field(name))) for name in columns)
    key_column = quote(_column(meta.get_field(key)))
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {names} FROM {table} WHERE {key_column} = ANY(%s)",  # noqa: S608 - names from the model
                [list(keys)],
            )
            yield from cursor.fetchall()
            return
        for start in range(0, len(keys), EXECUTEMANY_BATCH):
            batch = list(keys[start : start + EXECUTEMANY_BATCH])
            placeholders = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"SELECT {names} FROM {table} WHERE {key_column} IN ({placeholders})",  # noqa: S608
                batch,
            )
            yield from cursor.fetchall()
