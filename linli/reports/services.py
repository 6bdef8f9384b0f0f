"""Writes of the reports app: ledger templates, and ledger exports with their audit rows."""

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.db import connections, router, transaction
from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError
from linli.core.models import Area
from linli.core.services import record_audit_event
from linli.registry.models import Resident
from linli.reports import xlsx
from linli.reports.builtins import install_builtin_templates
from linli.reports.definitions import COLUMN_SOURCES, GroupBy, parse_definition
from linli.reports.engine import LedgerQuery
from linli.reports.models import LedgerExport, LedgerTemplate
from linli.reports.selectors import area_title

# Codes are part of the ledger's URL (/ledgers/<code>/); these are taken by other pages.
RESERVED_CODES = frozenset({"coverage", "templates", "new", "exports", "api"})
CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def install_builtin_ledgers() -> int:
    """Create the built-in templates that are missing; those already there keep any edits."""
    return install_builtin_templates(LedgerTemplate)


def _checked_fields(*, name: str, department: str, description: str, definition: Any) -> dict[str, Any]:
    name = name.strip()
    if not name:
        raise DomainError("name_required", _("Please enter the name."), field="name")
    parsed = parse_definition(definition)
    return {
        "name": name,
        "department": department.strip(),
        "description": description.strip(),
        "definition": parsed.model_dump(mode="json"),
    }


@transaction.atomic
def create_template(
    *, actor: Any, code: str, name: str, department: str, description: str, definition: Any
) -> LedgerTemplate:
    """A new ledger template; its code is a unique lower-case slug and its definition must be valid."""
    code = code.strip().lower()
    if not CODE_PATTERN.match(code) or len(code) > 64:
        raise DomainError(
            "code_invalid",
            _("Use lower-case letters, digits and single hyphens, e.g. elderly-90-plus."),
            field="code",
        )
    if code in RESERVED_CODES:
        raise DomainError("code_reserved", _("This code is reserved; please choose another."), field="code")
    if LedgerTemplate.objects.filter(code=code).exists():
        raise DomainError("code_taken", _("A ledger with this code already exists."), field="code")
    fields = _checked_fields(name=name, department=department, description=description, definition=definition)
    template = LedgerTemplate.objects.create(code=code, updated_by=_user(actor), **fields)
    record_audit_event(
        actor=actor,
        action="ledger_template.created",
        object_type="ledger_template",
        object_id=template.code,
        data={"name": template.name, "definition": template.definition},
    )
    return template


@transaction.atomic
def update_template(
    *,
    actor: Any,
    template: LedgerTemplate,
    name: str,
    department: str,
    description: str,
    definition: Any,
    active: bool,
) -> LedgerTemplate:
    """Change a template's name, department, description, definition or whether it is active (its code stays:
    past exports refer to it). Built-in templates may be edited and deactivated like any other."""
    fields = _checked_fields(name=name, department=department, description=description, definition=definition)
    template = LedgerTemplate.objects.select_for_update().get(pk=template.pk)
    before = {"name": template.name, "active": template.active, "definition": template.definition}
    for key, value in fields.items():
        setattr(template, key, value)
    template.active = active
    template.updated_by = _user(actor)
    template.save(update_fields=[*fields, "active", "updated_by", "updated_at"])
    record_audit_event(
        actor=actor,
        action="ledger_template.updated",
        object_type="ledger_template",
        object_id=template.code,
        data={
            "before": before,
            "after": {"name": template.name, "active": template.active, "definition": template.definition},
        },
    )
    return template


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


# --- exports ---------------------------------------------------------------------------------------


@dataclass
class ExportedLedger:
    """An exported workbook: an open, already unlinked temporary file, read from its start."""

    file: IO[bytes]
    filename: str
    rows: int
    export: LedgerExport


@contextmanager
def read_snapshot(using: str) -> Iterator[None]:
    """One consistent view of the data for all the reads of an export, where the database offers it.

    On PostgreSQL a read-only REPEATABLE READ transaction: the count, the rows read through a server-side
    cursor (which streams only inside a transaction; outside one it is materialised first) and the
    per-batch lookups see the same data. A cursor is planned for its first rows by default (an index walk
    with nested loops); an export reads all of them, and a plan for the whole result (hash joins and one
    sort) read a million rows in a fifth to a third less time. SQLite opens write transactions here (BEGIN
    IMMEDIATE), which would block every writer for the length of the export, so its reads run in
    autocommit; each statement then sees the data as of its start.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield


def _items_expected(query: LedgerQuery, rows: int) -> int:
    """Rows plus group headings, counted only when the headings might push a workbook past one sheet."""
    group_by = query.definition.group_by
    if group_by == GroupBy.NONE or rows * 2 <= xlsx.ROWS_PER_SHEET:
        return rows
    residents = query.queryset().order_by()
    if group_by == GroupBy.HOUSEHOLD:
        # Residents without a household form one more group.
        groups = int(residents.aggregate(n=Count("household_id", distinct=True))["n"]) + 1
    else:
        length = {GroupBy.STREET: 9, GroupBy.COMMUNITY: 12, GroupBy.GRID: 15}[group_by]
        groups = int(residents.aggregate(n=Count(Substr("area__code", 1, length), distinct=True))["n"])
    return rows + groups


def write_ledger_file(*, template: LedgerTemplate, area: Area, today: dt.date, path: str) -> int:
    """Write the ledger of ``template`` for ``area`` to an xlsx file at ``path``; returns its rows.

    No access check and no audit row: callers are ``export_ledger`` and the benchmark.
    """
    query = LedgerQuery(template.parsed, area_code=area.code, today=today)
    # Translators: the title row of an exported ledger, printed on every page: ledger, area, date.
    title = gettext("%(ledger)s · %(area)s · %(date)s")
    layout = xlsx.SheetLayout(
        title=title % {"ledger": template.name, "area": area_title(area), "date": today.isoformat()},
        sheet_name=template.name,
        headings=query.headings(),
        widths=[COLUMN_SOURCES[key].width for key in query.keys],
    )
    with read_snapshot(router.db_for_read(Resident)):
        expected = _items_expected(query, query.count())
        return xlsx.write_ledger(path, layout, query.rows(), items_expected=expected)


def export_ledger(
    *, actor: Any, template: LedgerTemplate, area: Area, today: dt.date | None = None
) -> ExportedLedger:
    """The ledger of ``template`` for ``area`` (checked by the caller with access_ledger_area) as an xlsx
    file with ID numbers and phones masked; records the export and writes the audit row."""
    today = today or timezone.localdate()
    handle, path = tempfile.mkstemp(prefix="ledger-", suffix=".xlsx")
    os.close(handle)
    try:
        rows = write_ledger_file(template=template, area=area, today=today, path=path)
        # Opened, then unlinked: the file lives as long as the response that streams and closes it.
        file = open(path, "rb")  # noqa: SIM115
    finally:
        os.unlink(path)
    try:
        with transaction.atomic():
            export = LedgerExport.objects.create(
                template=template, area=area, exported_by=_user(actor), row_count=rows
            )
            record_audit_event(
                actor=actor,
                action="ledger.exported",
                object_type="ledger_template",
                object_id=template.code,
                area_code=area.code,
                data={
                    "template": template.code,
                    "area": area.code,
                    "rows": rows,
                    "writer": xlsx.writer_name(),
                },
            )
    except BaseException:
        file.close()
        raise
    filename = f"{template.name}-{area.name}-{today:%Y%m%d}.xlsx"
    return ExportedLedger(file=file, filename=filename, rows=rows, export=export)


def record_ledger_read(*, actor: Any, template: LedgerTemplate, area: Area, offset: int, rows: int) -> None:
    """A page of a ledger read through the API is personal data leaving Linli: it is audited too."""
    record_audit_event(
        actor=actor,
        action="ledger.read_api",
        object_type="ledger_template",
        object_id=template.code,
        area_code=area.code,
        data={"template": template.code, "area": area.code, "offset": offset, "rows": rows},
    )
