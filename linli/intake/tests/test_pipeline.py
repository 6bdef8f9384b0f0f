"""Imports end to end: every row ends in exactly one outcome, nothing half-written, nothing twice."""

import datetime as dt
import io
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files import File
from python_calamine import CalamineWorkbook

from linli.core.idnumbers import check_character
from linli.intake import pipeline
from linli.intake.models import BatchStatus, ImportBatch, ImportRow, Outcome, ReviewItem, ReviewKind
from linli.intake.services import create_batch, set_batch_layout
from linli.registry.models import Resident, TagAssignment
from linli.registry.services import register_resident, update_resident
from linli.registry.tests.factories import HouseholdFactory, make_id_number

HEADER = ["序号", "姓名", "公民身份号码", "出生日期", "联系电话", "所属社区", "户籍性质", "是否低保"]


def id_number(seq: int, birth: dt.date, *, male: bool = True) -> str:
    return make_id_number(seq, birth=birth, male=male)


def bad_check(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("名册")
    sheet.write_row(0, 0, ["2026年最低生活保障对象花名册"])  # a title row above the header
    sheet.write_row(1, 0, HEADER)
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, [str(c) if c is not None else "" for c in row])
    workbook.close()
    return path


@pytest.fixture
def places(grid_a, grid_b):
    return {"a": grid_a.parent, "b": grid_b.parent, "grid_a": grid_a}


@pytest.fixture
def known(places, worker_a, worker_b, grid_b):
    """Golden records before the import: 王建国 in A (hukou set by a worker), 周敏 in community B."""
    household = HouseholdFactory(building__area=places["grid_a"], area=places["grid_a"])
    wang = register_resident(
        actor=worker_a,
        household=household,
        name="王建国",
        id_number=id_number(1, dt.date(1945, 2, 3)),
        phone="13800000001",
        relation_to_head="other",
    )
    update_resident(actor=worker_a, resident=wang, changes={"hukou_status": "registered"})
    other_household = HouseholdFactory(building__area=grid_b, area=grid_b)
    zhou = register_resident(
        actor=worker_b,
        household=other_household,
        name="周敏",
        id_number=id_number(2, dt.date(1950, 6, 7), male=False),
        relation_to_head="other",
    )
    return {"wang": wang, "zhou": zhou}


def every_kind_of_row(places, known) -> list[list[object]]:
    a = places["a"].code
    wang, zhou = known["wang"], known["zhou"]
    new_id = id_number(3, dt.date(1938, 9, 10))
    return [
        [1, "李秀兰", new_id, "1938年9月10日", "13900000003", a, "户籍", "是"],  # created
        [2, "王建国", wang.id_number, "1945.02.03", "13911112222", a, "", ""],  # updated (new phone)
        [3, "王建国", wang.id_number, "1945-02-03", "13911112222", a, "", ""],  # matched (same again)
        [4, "", id_number(4, dt.date(1960, 1, 1)), "", "", a, "", ""],  # rejected: no name
        [5, "王建国", bad_check(wang.id_number), "1945-02-03", "", a, "", ""],  # candidate: conflict
        [6, "赵六", "", "1949年13月40日", "", a, "", ""],  # rejected: impossible date, nothing to link on
        [7, "钱七", id_number(7, dt.date(1970, 3, 3)), "", "", "不存在社区", "", ""],  # rejected: community
        [8, "周敏", zhou.id_number, "", "", a, "", ""],  # conflict: registered in another community
        [9, "王建国", wang.id_number, "", "", a, "非户籍", ""],  # conflict: hukou disagrees
        [10, "李秀兰", new_id, "1938-09-10", "13900000003", a, "户籍", "是"],  # matched: same person again
        [None, None, None, None, None, None, None, None],  # blank row: not a record
        [12, "孙八", "", "", "", a, "", ""],  # rejected: nothing to link on
    ]


def new_batch(path: Path, area, actor, **layout) -> ImportBatch:
    with path.open("rb") as handle:
        batch = create_batch(
            actor=actor,
            area=area,
            upload=File(handle, name=path.name),
            source_kind="civil_affairs",
            source_label="低保名册",
        )
    if layout:
        set_batch_layout(actor=actor, batch=batch, **layout)
    return batch


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_rows_in_equal_outcomes_out_for_every_kind_of_bad_row(media, tmp_path, places, known, worker_a):
    rows = every_kind_of_row(places, known)
    batch = new_batch(write_xlsx(tmp_path / "低保.xlsx", rows), places["a"], worker_a)
    assert batch.header_row == 1 and batch.mapping["姓名"] == "name"
    assert batch.mapping["公民身份号码"] == "id_number"

    pipeline.run_batch(batch, actor=worker_a)

    batch.refresh_from_db()
    outcomes = dict(ImportRow.objects.filter(batch=batch).values_list("row_number", "outcome"))
    reasons = dict(ImportRow.objects.filter(batch=batch).values_list("row_number", "reason_code"))
    records = [r for r in rows if any(c not in (None, "") for c in r)]
    assert batch.status == BatchStatus.DONE
    assert len(outcomes) == len(records) == batch.total_rows == sum(batch.counts.values())
    number = {r[0]: i + 3 for i, r in enumerate(rows)}  # sheet row numbers: title, header, then data
    assert outcomes[number[1]] == Outcome.CREATED
    assert outcomes[number[2]] == Outcome.UPDATED
    assert outcomes[number[3]] == Outcome.MATCHED
    assert (outcomes[number[4]], reasons[number[4]]) == (Outcome.REJECTED, "name_missing")
    assert outcomes[number[5]] == Outcome.CONFLICT
    assert outcomes[number[6]] == Outcome.REJECTED
    assert (outcomes[number[7]], reasons[number[7]]) == (Outcome.REJECTED, "unknown_community")
    assert (outcomes[number[8]], reasons[number[8]]) == (Outcome.CONFLICT, "registered_elsewhere")
    assert (outcomes[number[9]], reasons[number[9]]) == (Outcome.CONFLICT, "field_conflict")
    assert outcomes[number[10]] == Outcome.MATCHED
    assert (outcomes[number[12]], reasons[number[12]]) == (Outcome.REJECTED, "no_linking_key")

    wang = Resident.objects.get(pk=known["wang"].pk)
    assert wang.phone == "13911112222" and wang.hukou_status == "registered"
    li = Resident.objects.get(name="李秀兰")
    assert li.area == places["a"] and li.birth_date == dt.date(1938, 9, 10)
    assert TagAssignment.objects.filter(resident=li, tag="minimum_allowance", ended_at__isnull=True).exists()
    assert Resident.objects.filter(name="周敏").count() == 1  # nothing written across the boundary
    assert ReviewItem.objects.filter(
        kind=ReviewKind.FIELD_CONFLICT, resident=wang, field="hukou_status"
    ).exists()
    assert (
        ReviewItem.objects.filter(kind=ReviewKind.POSSIBLE_DUPLICATE).filter(resident=wang).exists()
        or ReviewItem.objects.filter(kind=ReviewKind.POSSIBLE_DUPLICATE, other=wang).exists()
    )

    # The report lists every row that was not clean, with its reason, and masks ID numbers
    book = CalamineWorkbook.from_filelike(io.BytesIO(batch.report.open("rb").read()))
    listed = book.get_sheet_by_index(0).to_python()
    text = "\n".join(" ".join(str(c) for c in row) for row in listed)
    not_clean = [n for n, outcome in outcomes.items() if outcome in (Outcome.REJECTED, Outcome.CONFLICT)]
    for row_number in not_clean:
        assert any(str(row_number) == str(r[0]).removesuffix(".0") for r in listed[1:]), row_number
    assert known["zhou"].id_number not in text


def test_importing_the_same_file_twice_creates_nothing_new(media, tmp_path, places, known, worker_a):
    rows = every_kind_of_row(places, known)
    path = write_xlsx(tmp_path / "低保.xlsx", rows)
    pipeline.run_batch(new_batch(path, places["a"], worker_a), actor=worker_a)
    residents, tags = Resident.objects.count(), TagAssignment.objects.count()
    reviews = ReviewItem.objects.count()

    second = new_batch(path, places["a"], worker_a)
    pipeline.run_batch(second, actor=worker_a)

    second.refresh_from_db()
    assert Resident.objects.count() == residents
    assert TagAssignment.objects.count() == tags
    assert ReviewItem.objects.count() == reviews  # the same open questions are not asked twice
    assert Outcome.CREATED not in second.counts
    assert second.counts.get(Outcome.UPDATED, 0) == 0


def generated_rows(count: int, community_code: str) -> list[list[object]]:
    rows: list[list[object]] = []
    for n in range(count):
        birth = dt.date(1930 + n % 60, 1 + n % 12, 1 + n % 28)
        first17 = f"110109{birth:%Y%m%d}{(n * 7) % 1000:03d}"
        rows.append(
            [n + 1, f"测试{n}", first17 + check_character(first17), "", f"137{n:08d}", community_code, "", ""]
        )
    return rows


def test_a_failure_in_the_middle_leaves_no_half_written_resident_and_a_rerun_finishes(
    media, tmp_path, places, worker_a, monkeypatch
):
    rows = generated_rows(25, places["a"].code)
    batch = new_batch(write_xlsx(tmp_path / "名册.xlsx", rows), places["a"], worker_a)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 10)
    original = pipeline.write_chunk
    calls = {"n": 0}

    def failing_write(context, chunk, plan, created_for):
        calls["n"] += 1
        if calls["n"] == 2:
            original(context, chunk, plan, created_for)
            raise RuntimeError("disk full")  # inside the chunk's transaction: the chunk rolls back
        return original(context, chunk, plan, created_for)

    monkeypatch.setattr(pipeline, "write_chunk", failing_write)
    with pytest.raises(RuntimeError):
        pipeline.run_batch(batch, actor=worker_a)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    written = ImportRow.objects.filter(batch=batch).count()
    assert written == 10  # the first chunk only
    # Every resident written belongs to a written row: nothing half-written
    assert Resident.objects.count() == ImportRow.objects.filter(batch=batch, outcome=Outcome.CREATED).count()

    monkeypatch.setattr(pipeline, "write_chunk", original)
    pipeline.run_batch(batch, actor=worker_a)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert ImportRow.objects.filter(batch=batch).count() == 25
    assert Resident.objects.count() == 25
    assert batch.counts == {Outcome.CREATED: 25}


def test_a_group_name_without_a_tag_is_named_once_for_the_file_and_leaves_the_row_clean(
    media, tmp_path, places, worker_a
):
    path = tmp_path / "救助.csv"
    number = id_number(31, dt.date(1950, 3, 3))
    path.write_text(
        f"姓名,公民身份号码,所属社区,救助类别\n吴一,{number},{places['a'].code},低保、临时救助\n", "utf-8"
    )
    batch = new_batch(path, places["a"], worker_a)
    assert batch.mapping["救助类别"] == "tag_list"

    pipeline.run_batch(batch, actor=worker_a)

    batch.refresh_from_db()
    row = ImportRow.objects.get(batch=batch)
    assert (row.outcome, row.reason_code) == (Outcome.CREATED, "")
    assert batch.unknown_groups == ["临时救助"]
    assert TagAssignment.objects.filter(resident=row.resident, tag="minimum_allowance").exists()
