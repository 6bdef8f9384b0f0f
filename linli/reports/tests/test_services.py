import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook

from linli.core.errors import DomainError
from linli.core.models import AuditEvent
from linli.registry.models import Resident
from linli.reports import services
from linli.reports.models import LedgerExport, LedgerTemplate
from linli.reports.tests.factories import TODAY, household_in, person, tag

DEFINITION = {"columns": [{"key": "name"}, {"key": "age"}], "filters": {"min_age": 90}}


def create(actor=None, **overrides):
    fields = {
        "code": "elderly-90-plus",
        "name": " 90岁以上老人台账 ",
        "department": "民政局",
        "description": "",
        "definition": DEFINITION,
        **overrides,
    }
    return services.create_template(actor=actor, **fields)


def test_a_template_is_created_with_its_normalised_definition_and_audited(db, worker_a):
    template = create(worker_a)
    assert template.name == "90岁以上老人台账" and not template.is_builtin
    assert template.definition["filters"]["residence_status"] == ["living_here", "away"]
    event = AuditEvent.objects.get(action="ledger_template.created")
    assert event.object_id == "elderly-90-plus" and event.actor == worker_a


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"code": "Not A Slug"}, "code_invalid", "code"),
        ({"code": "coverage"}, "code_reserved", "code"),
        ({"code": "elderly-80-plus"}, "code_taken", "code"),
        ({"name": "  "}, "name_required", "name"),
        ({"definition": {"columns": []}}, "invalid_definition", "columns"),
        ({"definition": {"columns": [{"key": "salary"}]}}, "invalid_definition", "columns.key"),
        (
            {"definition": {"columns": [{"key": "name"}], "filters": {"min_age": 80, "max_age": 60}}},
            "ages_reversed",
            "filters.min_age",
        ),
        (
            {"definition": {"columns": [{"key": "name"}, {"key": "name"}]}},
            "duplicate_column",
            "columns",
        ),
        (
            {
                "definition": {
                    "columns": [{"key": "name"}],
                    "filters": {"tags_all": ["veteran"], "tags_none": ["veteran"]},
                }
            },
            "tags_contradict",
            "filters.tags_none",
        ),
    ],
)
def test_broken_rules_name_the_field(db, overrides, code, field):
    with pytest.raises(DomainError) as raised:
        create(**overrides)
    assert (raised.value.code, raised.value.field) == (code, field)
    assert not LedgerTemplate.objects.filter(
        code=overrides.get("code", "elderly-90-plus"), is_builtin=False
    ).exists()


def test_a_template_is_updated_and_deactivated_but_keeps_its_code(db, worker_a):
    template = create()
    updated = services.update_template(
        actor=worker_a,
        template=template,
        name="九十岁台账",
        department="老龄办",
        description="说明",
        definition={"columns": [{"key": "name", "label": "老人姓名"}]},
        active=False,
    )
    updated.refresh_from_db()
    assert (updated.code, updated.name, updated.active, updated.updated_by) == (
        "elderly-90-plus",
        "九十岁台账",
        False,
        worker_a,
    )
    assert updated.parsed.columns[0].heading() == "老人姓名"
    event = AuditEvent.objects.get(action="ledger_template.updated")
    assert event.data["before"]["active"] is True and event.data["after"]["active"] is False


def workbook_text(exported) -> str:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(exported.file.read()))
    [sheet] = workbook.sheet_names
    return " ".join(str(cell) for row in workbook.get_sheet_by_name(sheet).to_python() for cell in row)


def test_an_export_masks_personal_data_leaves_merged_records_out_and_is_audited(grid_a, worker_a):
    home = household_in(grid_a)
    kept = person(home, "张残疾", birth=dt.date(1950, 1, 1), head=True, phone="13812345678")
    merged = person(home, "张重复", birth=dt.date(1950, 1, 2))
    tag(kept, "disability", level=3)
    tag(merged, "disability", level=3)
    Resident.objects.filter(pk=merged.pk).update(merged_into=kept)
    template = LedgerTemplate.objects.get(code="people-with-disabilities")

    exported = services.export_ledger(actor=worker_a, template=template, area=grid_a.parent, today=TODAY)

    text = workbook_text(exported)
    exported.file.close()
    assert "张残疾" in text and "张重复" not in text
    assert kept.id_number not in text and "13812345678" not in text
    assert "138****5678" in text and "残疾人台账" in text
    assert exported.rows == 1 and exported.filename.endswith("20250630.xlsx")
    record = LedgerExport.objects.get()
    assert (record.template, record.area, record.exported_by, record.row_count) == (
        template,
        grid_a.parent,
        worker_a,
        1,
    )
    event = AuditEvent.objects.get(action="ledger.exported")
    assert event.area_code == grid_a.parent.code
    assert (event.data["template"], event.data["area"], event.data["rows"]) == (
        "people-with-disabilities",
        grid_a.parent.code,
        1,
    )


def test_export_records_are_append_only(grid_a, worker_a):
    template = LedgerTemplate.objects.get(code="people-with-disabilities")
    exported = services.export_ledger(actor=worker_a, template=template, area=grid_a, today=TODAY)
    exported.file.close()
    with pytest.raises(ValueError, match="append-only"):
        exported.export.save()


def test_the_workbook_leaves_no_file_behind(grid_a, worker_a, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    template = LedgerTemplate.objects.get(code="household-roster")
    exported = services.export_ledger(actor=worker_a, template=template, area=grid_a, today=TODAY)
    assert list(tmp_path.iterdir()) == []  # unlinked: only the open file handle keeps it
    assert exported.file.read(2) == b"PK"  # a zip, which an xlsx is
    exported.file.close()
