import datetime as dt

import pytest
from django.utils import translation

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.errors import DomainError
from linli.core.models import AuditEvent
from linli.registry.models import FieldProvenance, Resident
from linli.registry.services import (
    add_tag,
    create_household,
    end_tag,
    register_resident,
    reveal_personal_data,
    update_household,
    update_resident,
)
from linli.registry.tests.factories import BuildingFactory, HouseholdFactory, ResidentFactory


@pytest.fixture
def household(grid_a):
    return HouseholdFactory(building__area=grid_a, area=grid_a)


def test_registering_derives_birth_date_and_sex_from_the_id_number(household, worker_a):
    resident = register_resident(
        actor=worker_a,
        household=household,
        name=" 李华 ",
        id_number="11010519491231002x",
        phone="13812345678",
    )

    assert resident.name == "李华"
    assert resident.id_number == "11010519491231002X"
    assert resident.birth_date == dt.date(1949, 12, 31)
    assert resident.sex == "female"
    assert resident.area_id == household.area_id
    assert set(FieldProvenance.objects.filter(resident=resident).values_list("field", flat=True)) >= {
        "name",
        "id_number",
        "phone",
    }


def test_a_bad_id_number_is_refused_with_a_chinese_message_and_nothing_is_written(household, worker_a):
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        register_resident(actor=worker_a, household=household, name="李华", id_number="36042619910102009X")

    assert caught.value.field == "id_number"
    assert "校验" in str(caught.value.message)
    assert not Resident.objects.filter(name="李华").exists()


def test_the_same_person_cannot_be_registered_twice_even_by_the_old_15_digit_number(household, worker_a):
    register_resident(actor=worker_a, household=household, name="李华", id_number="11010519491231002X")

    with pytest.raises(DomainError) as caught:
        register_resident(actor=worker_a, household=household, name="李华", id_number="110105491231002")
    assert caught.value.code == "duplicate_id_number"


def test_an_update_records_provenance_only_for_changed_fields(household, worker_a):
    resident = register_resident(actor=worker_a, household=household, name="李华", phone="13812345678")
    before = FieldProvenance.objects.filter(resident=resident).count()

    update_resident(
        actor=worker_a, resident=resident, changes={"name": "李华", "phone": "13900001111"}, source="入户核实"
    )

    rows = FieldProvenance.objects.filter(resident=resident).order_by("-id")
    assert rows.count() == before + 1
    assert rows[0].field == "phone" and rows[0].source == "入户核实" and rows[0].recorded_by == worker_a
    resident.refresh_from_db()
    assert resident.phone == "13900001111"


def test_creating_a_household_registers_its_head(grid_a, worker_a):
    building = BuildingFactory(area=grid_a)

    household = create_household(actor=worker_a, building=building, room="2-301", head={"name": "赵四"})

    assert household.head is not None and household.head.name == "赵四"
    assert household.head.relation_to_head == "head"


def test_a_household_has_one_head(household, worker_a):
    register_resident(actor=worker_a, household=household, name="甲", relation_to_head="head")

    with pytest.raises(DomainError) as caught:
        register_resident(actor=worker_a, household=household, name="乙", relation_to_head="head")
    assert caught.value.code == "household_has_head"


def test_the_head_must_be_a_member(household, worker_a, grid_a):
    stranger = ResidentFactory(area=grid_a)

    with pytest.raises(DomainError) as caught:
        update_household(actor=worker_a, household=household, room="", head=stranger)
    assert caught.value.code == "head_not_member"


def test_disability_tags_need_a_grade_and_others_take_none(household, worker_a):
    resident = ResidentFactory(household=household, area=household.area)
    today = dt.date(2026, 1, 1)

    with pytest.raises(DomainError):
        add_tag(actor=worker_a, resident=resident, tag="disability", source="残联", valid_from=today)
    with pytest.raises(DomainError):
        add_tag(actor=worker_a, resident=resident, tag="empty_nest", level=2, source="走访", valid_from=today)
    tag = add_tag(
        actor=worker_a, resident=resident, tag="disability", level=2, source="残联", valid_from=today
    )

    assert tag.level == 2 and tag.set_by == worker_a


def test_a_tag_kind_is_open_once_and_ending_keeps_history(household, worker_a):
    resident = ResidentFactory(household=household, area=household.area)
    first = add_tag(
        actor=worker_a,
        resident=resident,
        tag="minimum_allowance",
        source="民政",
        valid_from=dt.date(2025, 1, 1),
    )
    with pytest.raises(DomainError):
        add_tag(
            actor=worker_a,
            resident=resident,
            tag="minimum_allowance",
            source="民政",
            valid_from=dt.date(2025, 1, 1),
        )

    ended = end_tag(actor=worker_a, assignment=first, reason="收入超标退出")
    again = add_tag(
        actor=worker_a,
        resident=resident,
        tag="minimum_allowance",
        source="民政",
        valid_from=dt.date(2026, 1, 1),
    )

    assert ended.ended_by == worker_a and ended.end_reason == "收入超标退出"
    assert resident.tags.count() == 2 and again.pk != first.pk
    with pytest.raises(DomainError):
        end_tag(actor=worker_a, assignment=first, reason="again")


def test_tag_end_date_cannot_precede_its_start(household, worker_a):
    resident = ResidentFactory(household=household, area=household.area)
    with pytest.raises(DomainError) as caught:
        add_tag(
            actor=worker_a,
            resident=resident,
            tag="empty_nest",
            source="走访",
            valid_from=dt.date(2026, 1, 2),
            valid_to=dt.date(2026, 1, 1),
        )
    assert caught.value.code == "tag_dates_reversed"


def test_each_reveal_writes_an_audit_event_with_its_reason(household, worker_a):
    resident = ResidentFactory(household=household, area=household.area, id_number="11010519491231002X")

    value = reveal_personal_data(actor=worker_a, resident=resident, field="id_number", reason="核对低保申请")

    assert value == "11010519491231002X"
    event = AuditEvent.objects.get(action="personal_data.revealed")
    assert event.actor == worker_a and event.reason == "核对低保申请"
    assert event.object_id == str(resident.pk) and event.data == {"field": "id_number"}


def test_a_reveal_needs_a_reason_and_the_permission(household, worker_a, community_a):
    resident = ResidentFactory(household=household, area=household.area)
    grid_worker = staff_with_role(Role.GRID_WORKER, household.area)

    with pytest.raises(DomainError):
        reveal_personal_data(actor=worker_a, resident=resident, field="phone", reason=" ")
    with pytest.raises(DomainError) as caught:
        reveal_personal_data(actor=grid_worker, resident=resident, field="phone", reason="回访")
    assert caught.value.code == "reveal_not_permitted"
    assert not AuditEvent.objects.filter(action="personal_data.revealed").exists()


def test_audit_events_cannot_be_edited_or_deleted(household, worker_a):
    resident = ResidentFactory(household=household, area=household.area)
    reveal_personal_data(actor=worker_a, resident=resident, field="phone", reason="回访")
    event = AuditEvent.objects.get(action="personal_data.revealed")

    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    with pytest.raises(ValueError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(reason="edited")
    with pytest.raises(ValueError, match="append-only"):
        AuditEvent.objects.all().delete()


def test_an_update_cannot_make_a_second_head(household, worker_a):
    register_resident(actor=worker_a, household=household, name="甲", relation_to_head="head")
    member = register_resident(actor=worker_a, household=household, name="乙", relation_to_head="child")

    with pytest.raises(DomainError) as caught:
        update_resident(actor=worker_a, resident=member, changes={"relation_to_head": "head"})
    assert caught.value.code == "use_household_page"


def test_an_update_changes_a_members_relation(household, worker_a):
    member = register_resident(actor=worker_a, household=household, name="乙", relation_to_head="child")

    update_resident(actor=worker_a, resident=member, changes={"relation_to_head": "grandchild"})

    member.refresh_from_db()
    assert member.relation_to_head == "grandchild"


def test_the_database_keeps_one_record_per_id_number_when_registrations_race(
    household, worker_a, monkeypatch
):
    from linli.registry import services

    register_resident(actor=worker_a, household=household, name="李华", id_number="11010519491231002X")
    # A concurrent registration that passed the service's check before the first one committed:
    monkeypatch.setattr(services, "_ensure_id_unique", lambda resident: None)

    with pytest.raises(DomainError) as caught:
        register_resident(actor=worker_a, household=household, name="李华", id_number="11010519491231002X")
    assert caught.value.code == "duplicate_id_number"
    assert Resident.objects.filter(name="李华").count() == 1
