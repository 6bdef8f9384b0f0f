"""Imports and reviews across every role, inside the role's area and just outside it."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from linli.accounts.roles import Capability, Role
from linli.intake.models import BatchStatus, ImportBatch, ReviewItem, ReviewKind
from linli.registry.tests.factories import ResidentFactory
from tests.matrix import World, allowed, place_for

CSV = "姓名,公民身份号码,联系电话\n王一,,13800000000\n".encode()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def batch_at(place, status: str = BatchStatus.UPLOADED) -> ImportBatch:
    batch = ImportBatch(
        area=place.grid,
        source_kind="civil_affairs",
        source_label="名册",
        filename="list.csv",
        sha256="0" * 64,
        header=["姓名", "公民身份号码", "联系电话"],
        mapping={"姓名": "name", "公民身份号码": "id_number", "联系电话": "phone"},
        status=status,
    )
    batch.file.save("list.csv", ContentFile(CSV), save=False)
    if status == BatchStatus.DONE:
        batch.report.save("report.xlsx", ContentFile(b"PK"), save=False)
    batch.save()
    return batch


def review_at(place) -> ReviewItem:
    other = ResidentFactory(household=place.household, area=place.grid, name="王同名")
    return ReviewItem.objects.create(
        kind=ReviewKind.POSSIBLE_DUPLICATE,
        area=place.grid,
        resident=place.resident,
        other=other,
        evidence={"decided_by": "splink", "match_probability": 0.8, "field_weights": {"name": 3.1}},
    )


def expect(role: Role, capability: Capability, where: str, ok: set[int]) -> set[int]:
    return ok if where == "inside" and allowed(role, capability) else {404}


BATCH_ROUTES = [
    ("intake:batch", "get", None, {200}),
    ("intake:batch_progress", "get", None, {200}),
    ("intake:batch_layout", "post", {"sheet": "list", "header_row": "1"}, {200, 302}),
    ("intake:batch_start", "post", {}, {302}),
]


def test_batch_pages_answer_inside_and_404_outside(world: World, media):
    for role in Role:
        for where in ("outside", "inside"):
            place = place_for(world, role, where)
            for route, method, data, ok in BATCH_ROUTES:
                batch = batch_at(place)
                response = getattr(world.clients[role], method)(reverse(route, args=[batch.pk]), data or {})
                assert response.status_code in expect(role, Capability.IMPORT_DATA, where, ok), (
                    route,
                    role.value,
                    where,
                )
            done = batch_at(place, BatchStatus.DONE)
            response = world.clients[role].get(reverse("intake:batch_report", args=[done.pk]))
            assert response.status_code in expect(role, Capability.IMPORT_DATA, where, {200}), (role, where)


def test_import_list_shows_only_batches_in_scope(world: World, media):
    inside = batch_at(world.inside())
    for role in Role:
        outside = batch_at(world.outside(role))
        response = world.clients[role].get(reverse("intake:imports"))
        if not allowed(role, Capability.IMPORT_DATA):
            assert response.status_code == 404, role.value
            continue
        listed = {b.pk for b in response.context["batches"]}
        assert inside.pk in listed and outside.pk not in listed, role.value
        areas = set(response.context["form"].fields["area"].queryset.values_list("code", flat=True))
        assert world.outside(role).grid.code not in areas, role.value


def test_review_pages_answer_inside_and_404_outside(world: World):
    for role in Role:
        for where in ("outside", "inside"):
            place = place_for(world, role, where)
            item = review_at(place)
            client = world.clients[role]
            response = client.get(reverse("intake:review", args=[item.pk]))
            assert response.status_code in expect(role, Capability.REVIEW_MATCHES, where, {200}), (
                role,
                where,
            )
            response = client.post(
                reverse("intake:review_decide", args=[item.pk]), {"decision": "apart", "reason": "两个人"}
            )
            assert response.status_code in expect(role, Capability.REVIEW_MATCHES, where, {302}), (
                role,
                where,
            )
            item.refresh_from_db()
            assert (item.status == "kept_apart") == (
                where == "inside" and allowed(role, Capability.REVIEW_MATCHES)
            )


def test_review_queue_lists_only_questions_in_scope(world: World):
    inside = review_at(world.inside())
    for role in Role:
        outside = review_at(world.outside(role))
        response = world.clients[role].get(reverse("intake:reviews"))
        if not allowed(role, Capability.REVIEW_MATCHES):
            assert response.status_code == 404, role.value
            continue
        listed = {i.pk for i in response.context["items"]}
        assert inside.pk in listed and outside.pk not in listed, role.value


def test_anonymous_users_and_residents_reach_no_intake_page(world: World, media):
    batch = batch_at(world.inside())
    item = review_at(world.inside())
    urls = [reverse("intake:imports"), reverse("intake:reviews"), reverse("intake:review", args=[item.pk])]
    urls += [reverse(route, args=[batch.pk]) for route in ("intake:batch", "intake:batch_progress")]
    anonymous = Client()
    for url in urls:
        assert anonymous.get(url).status_code == 302
    from linli.accounts.models import User

    resident_client = Client()
    resident_client.force_login(User.objects.create(username="resident-x", kind="resident"))
    for url in urls:
        assert resident_client.get(url).status_code == 404
