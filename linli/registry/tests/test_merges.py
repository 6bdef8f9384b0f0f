import datetime as dt

import pytest
from django.urls import reverse

from linli.core.errors import DomainError
from linli.registry import selectors
from linli.registry.merges import merge_residents, unmerge_residents
from linli.registry.models import FieldProvenance, Resident, ResidentChange, ResidentMerge, TagAssignment
from linli.registry.provenance import choose_field_value, decide_field, record_source_values, value_choices
from linli.registry.services import add_tag, register_resident, update_resident
from linli.registry.tests.factories import HouseholdFactory, make_id_number


@pytest.fixture
def household(grid_a):
    return HouseholdFactory(building__area=grid_a, area=grid_a)


@pytest.fixture
def pair(household, grid_a, worker_a):
    """The same woman twice: registered by a worker with her ID, and brought in by a list without one."""
    kept = register_resident(
        actor=worker_a,
        household=household,
        name="刘桂英",
        id_number=make_id_number(7, birth=dt.date(1940, 3, 1), male=False),
        relation_to_head="other",
    )
    imported = register_resident(
        actor=None,
        household=None,
        area=grid_a,
        name="刘桂英",
        phone="13900001111",
        address="永定镇 3号",
        birth_date=dt.date(1940, 3, 1),
        sex="female",
        source="civil_affairs:高龄津贴名册",
    )
    add_tag(
        actor=None,
        resident=imported,
        tag="elderly_living_alone",
        source="民政",
        valid_from=dt.date(2025, 1, 1),
    )
    return kept, imported


def test_a_merge_keeps_both_provenances_fills_gaps_and_moves_tags(pair, worker_a):
    kept, imported = pair

    merge = merge_residents(actor=worker_a, survivor=kept, absorbed=imported, reason="同一人，身份证核对")

    kept.refresh_from_db()
    imported.refresh_from_db()
    assert imported.merged_into == kept
    assert kept.phone == "13900001111" and kept.address == "永定镇 3号"
    assert set(FieldProvenance.objects.filter(resident=kept).values_list("source", flat=True)) == {
        "worker",
        "civil_affairs:高龄津贴名册",
    }
    assert TagAssignment.objects.get(tag="elderly_living_alone").resident == kept
    assert merge.moved["before"] == {"phone": "", "address": ""}
    assert [c.value for c in ResidentChange.objects.filter(resident=imported, field="merged_into")] == [
        str(kept.pk)
    ]
    assert "13900001111" in [c.value for c in ResidentChange.objects.filter(resident=kept, field="phone")]


def test_a_merged_record_is_no_longer_listed_as_a_person(pair, worker_a):
    kept, imported = pair
    merge_residents(actor=worker_a, survivor=kept, absorbed=imported, reason="同一人")

    listed = selectors.search_residents(user=worker_a, query="刘桂英")

    assert [r.pk for r in listed] == [kept.pk]


def test_undoing_a_merge_restores_both_records_and_keeps_the_history(pair, worker_a):
    kept, imported = pair
    merge = merge_residents(actor=worker_a, survivor=kept, absorbed=imported, reason="同一人")

    unmerge_residents(actor=worker_a, merge=merge, reason="核实为两人")

    kept.refresh_from_db()
    imported.refresh_from_db()
    assert imported.merged_into is None
    assert kept.phone == "" and kept.address == ""
    assert imported.phone == "13900001111"
    assert set(FieldProvenance.objects.filter(resident=kept).values_list("source", flat=True)) == {"worker"}
    assert TagAssignment.objects.get(tag="elderly_living_alone").resident == imported
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undo_reason == "核实为两人"
    assert ResidentMerge.objects.count() == 1
    with pytest.raises(DomainError) as raised:
        unmerge_residents(actor=worker_a, merge=merge, reason="again")
    assert raised.value.code == "merge_already_undone"


def test_an_id_number_moves_to_the_survivor_and_back(household, grid_a, worker_a):
    number = make_id_number(11, birth=dt.date(1950, 5, 5))
    with_id = register_resident(actor=None, household=None, area=grid_a, name="赵强", id_number=number)
    without = register_resident(actor=worker_a, household=household, name="赵强", relation_to_head="other")

    merge = merge_residents(actor=worker_a, survivor=without, absorbed=with_id, reason="同一人")
    without.refresh_from_db()
    assert without.id_number == number and without.birth_date == dt.date(1950, 5, 5)

    unmerge_residents(actor=worker_a, merge=merge, reason="弄错了")
    without.refresh_from_db()
    with_id.refresh_from_db()
    assert without.id_number == "" and without.birth_date is None
    assert with_id.id_number == number


def test_a_record_cannot_be_merged_twice_or_with_itself(pair, worker_a):
    kept, imported = pair
    with pytest.raises(DomainError):
        merge_residents(actor=worker_a, survivor=kept, absorbed=kept, reason="x")
    merge_residents(actor=worker_a, survivor=kept, absorbed=imported, reason="同一人")
    with pytest.raises(DomainError) as raised:
        merge_residents(actor=worker_a, survivor=kept, absorbed=imported, reason="再次")
    assert raised.value.code == "already_merged"


def test_field_rules_take_newer_phones_but_keep_a_trusted_hukou_status(settings):
    assert (
        decide_field(
            field_name="phone",
            current="13800000000",
            current_kind="worker",
            new="13900000000",
            new_kind="health",
        )
        == "take"
    )
    assert (
        decide_field(
            field_name="hukou_status",
            current="registered",
            current_kind="public_security",
            new="non_registered",
            new_kind="health",
        )
        == "conflict"
    )
    assert (
        decide_field(
            field_name="hukou_status",
            current="registered",
            current_kind="health",
            new="non_registered",
            new_kind="public_security",
        )
        == "take"
    )
    assert (
        decide_field(
            field_name="id_number", current="a", current_kind="other", new="b", new_kind="public_security"
        )
        == "conflict"
    )
    assert (
        decide_field(field_name="address", current="", current_kind="", new="x", new_kind="other") == "take"
    )


def test_a_value_not_taken_stays_visible_and_a_worker_can_choose_it(household, worker_a):
    resident = register_resident(actor=worker_a, household=household, name="孙丽", relation_to_head="other")
    update_resident(actor=worker_a, resident=resident, changes={"hukou_status": "registered"})

    result = record_source_values(
        actor=None,
        resident=resident,
        values={"hukou_status": "non_registered", "phone": "13700001234"},
        source="health:体检名单",
        source_ref="import:1:5",
    )

    resident.refresh_from_db()
    assert result.taken == ["phone"] and resident.phone == "13700001234"
    assert resident.hukou_status == "registered"
    offered = value_choices(resident=resident)["hukou_status"]
    assert [p.value for p in offered] == ["non_registered"]
    choose_field_value(actor=worker_a, resident=resident, provenance=offered[0])
    resident.refresh_from_db()
    assert resident.hukou_status == "non_registered"


def test_registration_shows_possible_duplicates_before_saving(staff_client, worker_a, household, worker_b):
    number = make_id_number(21, birth=dt.date(1938, 8, 8))
    existing = register_resident(
        actor=worker_a, household=household, name="钱进", id_number=number, relation_to_head="other"
    )
    typo = number[:5] + ("1" if number[5] != "1" else "2") + number[6:]
    form = {
        "name": "钱进",
        "id_number": "",
        "phone": "",
        "hukou_status": "registered",
        "ethnicity": "01",
        "residence_status": "living_here",
        "relation_to_head": "child",
    }
    client = staff_client(worker_a)
    url = reverse("registry:member_new", args=[household.pk])

    # A typo of a known number (one character apart) is shown as possibly the same person
    found = selectors.possible_duplicates(user=worker_a, name="钱进", id_number=typo)
    assert [r.pk for r in found.in_scope] == [existing.pk]

    response = client.post(url, {**form, "phone": "", "id_number": ""})
    assert response.status_code == 302  # no key to compare: nothing to warn about
    before = Resident.objects.count()
    response = client.post(
        url, {**form, "id_number": make_id_number(21, birth=dt.date(1938, 8, 8), region="110105")}
    )
    assert response.status_code == 200
    assert response.context["duplicates"].in_scope == [existing]
    assert Resident.objects.count() == before
    response = client.post(
        url,
        {
            **form,
            "id_number": make_id_number(21, birth=dt.date(1938, 8, 8), region="110105"),
            "confirm_new": "on",
        },
    )
    assert response.status_code == 302
    assert Resident.objects.count() == before + 1

    # A worker of another community learns only that a similar record exists elsewhere
    elsewhere = selectors.possible_duplicates(user=worker_b, name="钱进", id_number=typo)
    assert elsewhere.in_scope == [] and elsewhere.elsewhere >= 1
