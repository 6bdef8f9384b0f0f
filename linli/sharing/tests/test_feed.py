"""The change feed: granted fields and area only, every change exactly once across pages."""

import datetime as dt
import random
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from linli.core.tests.factories import area_tree
from linli.registry.merges import merge_residents, unmerge_residents
from linli.registry.models import Resident, ResidentChange
from linli.registry.services import add_tag, end_tag, record_changes, update_resident
from linli.sharing import catalogue
from linli.sharing.feed import watermark
from linli.sharing.models import AccessLog
from linli.sharing.tests.factories import client_with_token, make_grant, officers, resident_in

GRID_A = "110109001001001"
GRID_A2 = "110109001001002"
GRID_B = "110109002003001"
GRID_OTHER_DISTRICT = "110105001001001"


def changes(key: str, grant_id: int, cursor: int = 0, limit: int = 100) -> dict[str, Any]:
    response = Client().get(
        "/api/v1/sharing/changes",
        {"grant": grant_id, "cursor": cursor, "limit": limit},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def sync(key: str, grant_id: int, cursor: int = 0, limit: int = 100) -> tuple[list[dict[str, Any]], int]:
    """The department's loop: read pages until ``has_more`` is false."""
    items: list[dict[str, Any]] = []
    while True:
        body = changes(key, grant_id, cursor, limit)
        items += body["results"]
        assert body["next_cursor"] >= cursor
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items, cursor


@pytest.fixture
def grids(db):
    return {code: area_tree(code) for code in (GRID_A, GRID_A2, GRID_B, GRID_OTHER_DISTRICT)}


def test_a_field_outside_the_grant_never_appears_in_the_feed(grids):
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name", "tag:disability"], area=grids[GRID_A])
    resident = resident_in(grids[GRID_A], name="甲")
    update_resident(actor=None, resident=resident, changes={"phone": "13912345678", "name": "甲乙"})
    update_resident(
        actor=None, resident=resident, changes={"address": "秘密路1号", "residence_status": "away"}
    )
    add_tag(
        actor=None, resident=resident, tag="veteran", source="退役军人事务局", valid_from=dt.date(2020, 1, 1)
    )
    add_tag(
        actor=None,
        resident=resident,
        tag="disability",
        level=2,
        source="残联",
        valid_from=dt.date(2020, 1, 1),
    )

    items, _cursor = sync(key, grant.pk, limit=2)

    fields = [item["field"] for item in items]
    assert fields == ["created", "name", "name", "tag:disability"]
    assert [item["value"] for item in items[1:]] == ["甲", "甲乙", 2]
    body = str(items)
    for secret in ("13912345678", "秘密路1号", resident.id_number, "veteran", "away"):
        assert secret not in body
    # The record that comes with "created" has the granted fields only.
    assert set(items[0]["record"]) == {"id", "name", "tag:disability"}
    assert AccessLog.objects.filter(grant=grant).order_by("id").values_list("fields", flat=True).first() == [
        "name",
        "tag:disability",
        "created",
    ]


def test_a_change_outside_the_grant_area_never_appears_in_the_feed(grids):
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name", "area"], area=grids[GRID_A])
    inside = resident_in(grids[GRID_A], name="里")
    neighbour = resident_in(grids[GRID_A2], name="邻")
    far = resident_in(grids[GRID_B], name="远")
    for person in (inside, neighbour, far):
        update_resident(actor=None, resident=person, changes={"name": person.name + "改"})

    items, _cursor = sync(key, grant.pk)

    assert {item["resident_id"] for item in items} == {inside.pk}
    assert {item["area_code"] for item in items} == {GRID_A}
    assert "邻" not in str(items) and "远" not in str(items)


def test_a_grant_with_age_but_not_birth_date_sees_age_only(grids):
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["age"], area=grids[GRID_A])
    resident = resident_in(grids[GRID_A], id_number="", birth_date=dt.date(1950, 6, 1))

    items, _cursor = sync(key, grant.pk)

    ages = [item for item in items if item["field"] == "age"]
    assert len(ages) == 1 and isinstance(ages[0]["value"], int) and ages[0]["value"] >= 74
    assert "1950" not in str(items)
    assert items[0]["record"] == {"id": resident.pk, "age": ages[0]["value"]}


def test_every_change_comes_exactly_once_across_pages_while_changes_keep_coming(grids):
    """Changes interleaved across areas and fields; new ones written between the pages of a sync."""
    rng = random.Random(7)
    client, key = client_with_token()
    fields = ["name", "phone", "residence_status", "tag:disability", "tag:minimum_allowance"]
    grant = make_grant(client=client, fields=fields, area=grids[GRID_A].parent)
    people = [
        resident_in(grids[code]) for code in (GRID_A, GRID_A2, GRID_B, GRID_OTHER_DISTRICT) for _ in range(3)
    ]
    statuses = ["living_here", "away"]

    def churn(n: int) -> None:
        for _ in range(n):
            person = rng.choice(people)
            kind = rng.choice(["name", "phone", "address", "residence_status", "tag", "ethnicity"])
            if kind == "name":
                update_resident(actor=None, resident=person, changes={"name": f"名{rng.randrange(10**6)}"})
            elif kind == "phone":
                update_resident(
                    actor=None, resident=person, changes={"phone": f"137{rng.randrange(10**8):08d}"}
                )
            elif kind == "address":
                update_resident(actor=None, resident=person, changes={"address": f"路{rng.randrange(999)}"})
            elif kind == "residence_status":
                update_resident(
                    actor=None, resident=person, changes={"residence_status": rng.choice(statuses)}
                )
            elif kind == "ethnicity":
                update_resident(actor=None, resident=person, changes={"ethnicity": rng.choice(["01", "03"])})
            else:
                record_changes(person, [(rng.choice(["tag:disability", "tag:veteran"]), "1")], source="test")

    churn(40)
    seen: list[dict[str, Any]] = []
    cursor = 0
    pages = 0
    while True:
        body = changes(key, grant.pk, cursor, limit=3)
        seen += body["results"]
        cursor = body["next_cursor"]
        pages += 1
        if pages < 15:
            churn(2)  # the department is mid-sync when more changes land, in and out of its area
        if not body["has_more"] and pages >= 15:
            break
    tail, _cursor = sync(key, grant.pk, cursor, limit=3)
    seen += tail

    allowed = set(catalogue.change_fields_for(frozenset(fields)))
    expected = list(
        ResidentChange.objects.filter(area_code__startswith=grids[GRID_A].parent.code, field__in=allowed)
        .order_by("id")
        .values_list("id", flat=True)
    )
    ids = [item["id"] for item in seen]
    assert ids == expected
    assert len(ids) == len(set(ids))
    assert pages > 10
    assert not {item["field"] for item in seen} - set(fields) - {"created", "merged_into"}


def test_a_short_page_moves_the_cursor_past_changes_the_grant_does_not_cover(grids):
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])
    resident_in(grids[GRID_A])
    far = resident_in(grids[GRID_B])

    body = changes(key, grant.pk)
    last = ResidentChange.objects.latest("id")

    assert body["next_cursor"] == last.pk and last.resident_id == far.pk
    assert changes(key, grant.pk, body["next_cursor"])["results"] == []


def test_created_carries_the_current_record_and_a_merge_names_the_survivor(grids):
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name", "phone"], area=grids[GRID_A])
    _requester, approver = officers()
    survivor = resident_in(grids[GRID_A], name="留")
    absorbed = resident_in(grids[GRID_A], name="并", phone="")
    update_resident(actor=None, resident=survivor, changes={"name": "留存"})

    items, cursor = sync(key, grant.pk)
    created = {item["resident_id"]: item for item in items if item["field"] == "created"}
    assert created[survivor.pk]["record"] == {"id": survivor.pk, "name": "留存", "phone": survivor.phone}
    assert created[absorbed.pk]["record"] == {"id": absorbed.pk, "name": "并", "phone": None}

    merge = merge_residents(actor=approver, survivor=survivor, absorbed=absorbed, reason="同一人")
    items, cursor = sync(key, grant.pk, cursor)
    merged = [item for item in items if item["field"] == "merged_into"]
    assert merged == [
        {
            "id": merged[0]["id"],
            "resident_id": absorbed.pk,
            "field": "merged_into",
            "value": survivor.pk,
            "changed_at": merged[0]["changed_at"],
        }
    ]

    unmerge_residents(actor=approver, merge=merge, reason="不是同一人")
    items, _cursor = sync(key, grant.pk, cursor)
    split = next(item for item in items if item["field"] == "merged_into")
    assert split["value"] is None
    assert split["record"]["id"] == absorbed.pk and split["record"]["name"] == "并"


def test_a_created_record_is_null_once_the_resident_has_left_the_grant_area(grids):
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grids[GRID_A])
    resident = resident_in(grids[GRID_A])
    Resident.objects.filter(pk=resident.pk).update(area=grids[GRID_B])

    items, _cursor = sync(key, grant.pk)

    created = next(item for item in items if item["field"] == "created")
    assert created["record"] is None


def test_tag_changes_show_their_level_and_none_when_ended(grids):
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["tag:disability"], area=grids[GRID_A])
    resident = resident_in(grids[GRID_A])
    tag = add_tag(
        actor=None,
        resident=resident,
        tag="disability",
        level=1,
        source="残联",
        valid_from=dt.date(2021, 1, 1),
    )
    _requester, approver = officers()
    end_tag(actor=approver, assignment=tag, reason="复核")

    items, _cursor = sync(key, grant.pk)

    assert [(i["field"], i["value"]) for i in items if i["field"] != "created"] == [
        ("tag:disability", 1),
        ("tag:disability", None),
    ]


def test_personal_changes_in_the_feed_are_audited(grids):
    from linli.core.models import AuditEvent

    client, key = client_with_token()
    grant = make_grant(client=client, fields=["phone"], area=grids[GRID_A])
    resident = resident_in(grids[GRID_A])
    update_resident(actor=None, resident=resident, changes={"phone": "13900001111"})

    items, _cursor = sync(key, grant.pk)

    assert [i["value"] for i in items if i["field"] == "phone"] == [resident.phone, "13900001111"]
    event = AuditEvent.objects.get(action="sharing.personal_data_read")
    assert event.data["endpoint"] == "changes"
    assert event.data["records"] == 3  # two phone changes and the phone in the created record


def test_watermark_on_sqlite_is_the_highest_id(grids):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite has one writer at a time")
    resident_in(grids[GRID_A])
    assert watermark() == ResidentChange.objects.latest("id").pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # restores migrated data after its flush
def test_a_change_committed_late_with_a_lower_id_is_still_served_once():
    """PostgreSQL: a transaction takes id N, another takes N+1 and commits first. The feed must not move
    its cursor past N before N commits."""
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL lets two writers commit out of id order")
    grid = area_tree(GRID_A)
    client, key = client_with_token()
    grant = make_grant(client=client, fields=["name"], area=grid)
    first = resident_in(grid, name="先")
    second = resident_in(grid, name="后")
    _items, cursor = sync(key, grant.pk)

    holding = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                record_changes(first, [("name", "慢")], source="test")
                holding.set()
                release.wait(timeout=30)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
            holding.set()
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        record_changes(second, [("name", "快")], source="test")  # a higher id, committed first
        early, cursor_during = sync(key, grant.pk, cursor)
    finally:
        release.set()
        thread.join(timeout=30)
    assert not errors

    assert early == []
    late, _cursor = sync(key, grant.pk, cursor_during)
    assert [(item["resident_id"], item["value"]) for item in late] == [(first.pk, "慢"), (second.pk, "快")]


def test_a_full_copy_then_the_feed_from_its_sync_cursor_keeps_the_department_copy_equal(grids):
    """The department's whole life: copy every resident page by page while the registry keeps changing,
    then follow the feed from the copy's sync cursor; its copy ends equal to a fresh read."""
    client, key = client_with_token()
    fields = ["name", "phone", "residence_status", "tag:disability"]
    grant = make_grant(client=client, fields=fields, area=grids[GRID_A].parent)
    _requester, approver = officers()
    people = [resident_in(grids[code]) for code in (GRID_A, GRID_A, GRID_A2, GRID_A2, GRID_B)]
    counter = iter(range(1000))

    def churn() -> None:
        n = next(counter)
        person = people[n % len(people)]
        update_resident(actor=None, resident=person, changes={"name": f"改名{n}", "phone": f"1370000{n:04d}"})
        if n % 3 == 0:
            people.append(resident_in(grids[GRID_A2 if n % 2 else GRID_A]))
        if n == 1:
            add_tag(
                actor=None,
                resident=people[0],
                tag="disability",
                level=4,
                source="残联",
                valid_from=dt.date(2020, 1, 1),
            )
        if n == 2:
            merge_residents(actor=approver, survivor=people[0], absorbed=people[1], reason="同一人")

    def read_all(*, churning: bool) -> tuple[dict[int, dict[str, Any]], int | None]:
        copy: dict[int, dict[str, Any]] = {}
        after, sync_cursor = 0, None
        while True:
            body = (
                Client()
                .get(
                    "/api/v1/sharing/residents",
                    {"grant": grant.pk, "after": after, "limit": 2},
                    headers={"Authorization": f"Bearer {key}"},
                )
                .json()
            )
            if after == 0:
                sync_cursor = body["sync_cursor"]
            copy.update({record["id"]: record for record in body["results"]})
            if body["next_after"] is None:
                return copy, sync_cursor
            after = body["next_after"]
            if churning:
                churn()  # the registry changes while the copy is being made

    def apply(copy: dict[int, dict[str, Any]], items: list[dict[str, Any]]) -> None:
        for item in items:
            resident = item["resident_id"]
            if item["field"] == "created" or (item["field"] == "merged_into" and item["value"] is None):
                if item["record"] is None:
                    copy.pop(resident, None)
                else:
                    copy[resident] = item["record"]
            elif item["field"] == "merged_into":
                copy.pop(resident, None)
            elif resident in copy:
                copy[resident][item["field"]] = item["value"]

    copy, cursor = read_all(churning=True)
    assert cursor is not None
    for _ in range(3):
        items, cursor = sync(key, grant.pk, cursor, limit=3)
        apply(copy, items)
        churn()
    items, cursor = sync(key, grant.pk, cursor, limit=3)
    apply(copy, items)

    fresh, _cursor = read_all(churning=False)
    assert copy == fresh
    assert next(counter) > 3  # changes landed during the copy and between syncs
    assert people[1].pk not in fresh and people[0].pk in fresh
    assert fresh[people[0].pk]["tag:disability"] == 4
