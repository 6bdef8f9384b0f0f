"""Re-encryption of personal data under the active key, after a key rotation.

Every ciphertext names its key (``<key id>$...``), so a new active key encrypts new values at once while
the old keys still decrypt the rest. Retiring an old key (because it leaked, or by policy) needs every value
it sealed re-encrypted first: this walks each encrypted column, batch by batch, and rewrites the values not
under the active key. It can be stopped and run again: it continues where values remain.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connection, models, transaction

from linli.core import crypto
from linli.core.fields import EncryptedTextField
from linli.core.services import record_audit_event


@dataclass
class ColumnResult:
    label: str
    rewritten: int = 0
    # Rows that changed between reading and writing: the next run picks them up.
    skipped: int = 0
    # Values no key can open (a key already removed, a damaged value): left as they are, and counted.
    unreadable: int = 0


def encrypted_columns() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column of every installed model, each once."""
    for model in apps.get_models():
        for field in model._meta.local_concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def _names(model: type[models.Model], field: EncryptedTextField) -> tuple[str, str, str]:
    """The quoted table, column and primary-key column."""
    quote = connection.ops.quote_name
    primary_key = model._meta.pk
    if primary_key is None or primary_key.column is None or field.column is None:
        raise TypeError(f"{model._meta.label}.{field.name} is not a stored column")
    return quote(model._meta.db_table), quote(field.column), quote(primary_key.column)


def _pending(
    model: type[models.Model], field: EncryptedTextField, *, after: Any, batch: int
) -> list[tuple[Any, str]]:
    table, column, pk = _names(model, field)
    prefix = f"{crypto.active_key_id()}$"
    # A plain comparison, not LIKE: SQLite's LIKE ignores case, and key ids k1 and K1 are different keys.
    condition = f"{column} IS NOT NULL AND {column} <> '' AND SUBSTR({column}, 1, %s) <> %s"
    params: list[Any] = [len(prefix), prefix]
    if after is not None:
        condition += f" AND {pk} > %s"
        params.append(after)
    with connection.cursor() as cursor:
        # Names come from the models, values are parameters.
        cursor.execute(
            f"SELECT {pk}, {column} FROM {table} WHERE {condition} ORDER BY {pk} LIMIT %s",  # noqa: S608
            [*params, batch],
        )
        return list(cursor.fetchall())


def reencrypt_column(
    model: type[models.Model], field: EncryptedTextField, *, batch: int = 500, dry_run: bool = False
) -> ColumnResult:
    """Rewrite one column's values that are not under the active key; each batch in one transaction."""
    result = ColumnResult(label=f"{model._meta.label}.{field.name}")
    table, column, pk = _names(model, field)
    after: Any = None
    while rows := _pending(model, field, after=after, batch=batch):
        after = rows[-1][0]
        if dry_run:
            result.rewritten += len(rows)
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            for row_pk, sealed in rows:
                try:
                    plain = crypto.decrypt(sealed, context=field.context)
                except (KeyError, ValueError, InvalidTag):
                    result.unreadable += 1
                    continue
                fresh = crypto.encrypt(plain, context=field.context)
                # Only if the value is still the one read: a concurrent change is newer and already current.
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",  # noqa: S608
                    [fresh, row_pk, sealed],
                )
                if cursor.rowcount == 1:
                    result.rewritten += 1
                else:
                    result.skipped += 1
    return result


def reencrypt_personal_data(*, batch: int = 500, dry_run: bool = False) -> list[ColumnResult]:
    """Re-encrypt every encrypted column under the active key. Each column that had values to rewrite is
    audited when it is done (counts, never values), so an interrupted run leaves a record of what it did."""
    results = []
    for model, field in encrypted_columns():
        result = reencrypt_column(model, field, batch=batch, dry_run=dry_run)
        results.append(result)
        if not dry_run and (result.rewritten or result.skipped or result.unreadable):
            record_audit_event(
                actor=None,
                action="keys.reencrypted",
                object_type="encrypted_column",
                object_id=result.label,
                data={
                    "key": crypto.active_key_id(),
                    "rewritten": result.rewritten,
                    "skipped": result.skipped,
                    "unreadable": result.unreadable,
                },
            )
    return results
