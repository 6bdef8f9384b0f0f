"""The import screens as a worker uses them: upload, check columns and preview, run, download, review."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from linli.intake.models import BatchStatus, ImportBatch, ImportProfile, ReviewItem, ReviewKind, ReviewStatus
from linli.registry.models import Resident
from linli.registry.services import register_resident
from linli.registry.tests.factories import HouseholdFactory, make_id_number


@pytest.fixture
def immediate_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def gbk_csv(rows: list[list[str]]) -> bytes:
    lines = ["姓名,身份证号码,出生年月,手机号,社区"] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def test_a_worker_uploads_checks_the_preview_runs_and_downloads_the_problems(
    immediate_tasks, staff_client, worker_a, community_a, django_capture_on_commit_callbacks
):
    client = staff_client(worker_a)
    known = make_id_number(5, birth=dt.date(1941, 4, 4))
    content = gbk_csv(
        [
            ["张桂兰", known, "1941-04-04", "13800001111", community_a.code],
            ["李四", "110109194101019999", "1941年1月1日", "", community_a.code],  # bad check character
            ["", "", "", "13800002222", community_a.code],  # no name
        ]
    )
    response = client.post(
        reverse("intake:imports"),
        {
            "file": SimpleUploadedFile("残联名单.csv", content, content_type="text/csv"),
            "area": community_a.pk,
            "source_kind": "disability_federation",
            "source_label": "残联名单",
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("intake:batch", args=[batch.pk])

    page = client.get(reverse("intake:batch", args=[batch.pk]))
    assert page.status_code == 200
    preview = page.context["preview"]
    assert [row.rejected for row in preview] == [False, False, True]
    assert preview[1].problem_columns == {1}  # the ID column of the row with a bad check character
    assert known not in page.content.decode()  # ID numbers are masked in the preview

    form: dict[str, str | list[str]] = {
        "sheet": batch.sheet,
        "header_row": "1",
        "save_profile_as": "区残联持证名单",
    }
    for index, target in enumerate(["name", "id_number", "birth_date", "phone", "community"]):
        form[f"column_{index}"] = target
    form["constant_tags"] = ["disability"]
    assert client.post(reverse("intake:batch_layout", args=[batch.pk]), form).status_code == 302
    assert ImportProfile.objects.get(name="区残联持证名单").constant_tags == ["disability"]

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("intake:batch_start", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert sum(batch.counts.values()) == 3 and batch.counts["rejected"] == 1

    progress = client.get(reverse("intake:batch_progress", args=[batch.pk]))
    assert 'data-testid="outcomes"' in progress.content.decode()
    report = client.get(reverse("intake:batch_report", args=[batch.pk]))
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment")
    assert Resident.objects.get(name="张桂兰").tags.filter(tag="disability").exists()


def test_a_mapping_without_a_name_column_is_refused_beside_the_form(
    immediate_tasks, staff_client, worker_a, community_a
):
    client = staff_client(worker_a)
    client.post(
        reverse("intake:imports"),
        {
            "file": SimpleUploadedFile("list.csv", gbk_csv([["王五", "", "", "13800003333", ""]])),
            "area": community_a.pk,
            "source_kind": "health",
        },
    )
    batch = ImportBatch.objects.get()
    form = {"sheet": batch.sheet, "header_row": "1"}
    for index in range(5):
        form[f"column_{index}"] = "ignore"
    response = client.post(reverse("intake:batch_layout", args=[batch.pk]), form)
    assert response.status_code == 200
    assert "姓名" in str(response.context["form"].errors) or response.context["form"].non_field_errors()
    batch.refresh_from_db()
    assert batch.mapping["姓名"] == "name"  # the refused mapping was not saved


def test_an_unsupported_file_is_refused_with_a_clear_message(
    immediate_tasks, staff_client, worker_a, community_a
):
    client = staff_client(worker_a)
    response = client.post(
        reverse("intake:imports"),
        {
            "file": SimpleUploadedFile("photo.png", b"\x89PNG"),
            "area": community_a.pk,
            "source_kind": "health",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


def test_a_worker_merges_a_possible_duplicate_and_undoes_it(staff_client, worker_a, grid_a):
    household = HouseholdFactory(building__area=grid_a, area=grid_a)
    left = register_resident(
        actor=worker_a,
        household=household,
        name="陈志强",
        relation_to_head="other",
        id_number=make_id_number(9, birth=dt.date(1955, 5, 5)),
    )
    right = register_resident(
        actor=None,
        household=None,
        area=grid_a,
        name="陈志强",
        phone="13800009999",
        birth_date=dt.date(1955, 5, 5),
        source="health:签约名单",
    )
    item = ReviewItem.objects.create(
        kind=ReviewKind.POSSIBLE_DUPLICATE,
        area=grid_a,
        resident=left,
        other=right,
        evidence={
            "decided_by": "splink",
            "match_probability": 0.83,
            "field_weights": {"name": 6.2, "birth_date": 7.9},
        },
    )
    client = staff_client(worker_a)

    page = client.get(reverse("intake:review", args=[item.pk]))
    assert page.status_code == 200
    assert "83%" in page.context["explanation"]
    compared = {row.label: row for row in page.context["compared"]}
    assert any(row.weight == 7.9 for row in compared.values())
    assert left.id_number not in page.content.decode()

    refused = client.post(
        reverse("intake:review_decide", args=[item.pk]), {"decision": "keep_left", "reason": ""}
    )
    assert refused.status_code == 200 and refused.context["form"].errors  # a merge needs its reason

    client.post(
        reverse("intake:review_decide", args=[item.pk]),
        {"decision": "keep_left", "reason": "电话核实为同一人"},
    )
    item.refresh_from_db()
    right.refresh_from_db()
    assert item.status == ReviewStatus.MERGED and right.merged_into == left

    client.post(
        reverse("intake:review_decide", args=[item.pk]), {"decision": "undo", "reason": "家属说是两个人"}
    )
    item.refresh_from_db()
    right.refresh_from_db()
    assert item.status == ReviewStatus.UNMERGED and right.merged_into is None
    assert [e.status for e in item.events.all()] == [ReviewStatus.MERGED, ReviewStatus.UNMERGED]
