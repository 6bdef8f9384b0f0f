import datetime as dt

import pytest
from django.db import connection

from linli.core.errors import DomainError
from linli.core.models import AuditEvent
from linli.core.phones import phone_blind_index
from linli.registry.bulk import BuildingSpec, HouseholdSpec, MemberSpec, TagSpec, bulk_register_households
from linli.registry.models import Building, FieldProvenance, Household, Resident, TagAssignment
from linli.registry.services import id_number_index
from linli.registry.tests.factories import ResidentFactory, make_id_number

pytestmark = pytest.mark.django_db

HEAD_ID = make_id_number(1, birth=dt.date(1958, 3, 14), male=True)
SPOUSE_ID = make_id_number(2, birth=dt.date(1960, 7, 2), male=False)
CHILD_ID = make_id_number(3, birth=dt.date(2015, 9, 30), male=True)


def _family(building, *, head_id=HEAD_ID, room="1单元101", tags=()):
    return HouseholdSpec(
        building=building,
        room=room,
        members=[
            MemberSpec(
                name="王建国", relation_to_head="head", id_number=head_id, phone="13912345678", tags=tags
            ),
            MemberSpec(name="李秀英", relation_to_head="spouse", id_number=SPOUSE_ID, phone="13812345678"),
            MemberSpec(name="王子涵", relation_to_head="grandchild", id_number=CHILD_ID),
        ],
    )


@pytest.fixture
def building_spec(grid_a):
    return BuildingSpec(area=grid_a, name="1号楼", address="测试路1号楼", latitude=39.94, longitude=116.10)


def test_bulk_created_residents_are_found_by_blind_indexes(building_spec):
    # Given a household of three
    # When it is registered in bulk
    bulk_register_households(actor=None, households=[_family(building_spec)], source="测试名单")

    # Then each is found by the blind index of their ID number, and the head by phone
    found = Resident.objects.get(id_number_index=id_number_index(SPOUSE_ID))
    assert found.name == "李秀英"
    assert found.id_number == SPOUSE_ID
    assert Resident.objects.get(phone_index=phone_blind_index("13912345678")).name == "王建国"


def test_id_number_and_phone_are_not_plaintext_in_the_database(building_spec):
    # Given a household registered in bulk
    bulk_register_households(actor=None, households=[_family(building_spec)], source="测试名单")

    # When the raw columns are read
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_resident")
        rows = cursor.fetchall()

    # Then neither the ID numbers nor the phones appear in clear
    stored = " ".join(f"{id_number} {phone}" for id_number, phone in rows)
    assert len(rows) == 3
    for secret in (HEAD_ID, SPOUSE_ID, CHILD_ID, "13912345678", "13812345678"):
        assert secret not in stored


def test_every_household_gets_its_head(grid_a, building_spec):
    # Given two households, one in a new building and one in an existing building
    existing = Building.objects.create(
        area=grid_a, name="2号楼", address="测试路2号楼", latitude=39.94, longitude=116.10
    )
    second = HouseholdSpec(
        building=existing,
        room="2单元202",
        members=[
            MemberSpec(name="赵敏", relation_to_head="child", id_number=make_id_number(7, male=False)),
            MemberSpec(name="赵强", relation_to_head="head", id_number=make_id_number(8)),
        ],
    )

    # When they are registered in bulk
    result = bulk_register_households(
        actor=None, households=[_family(building_spec), second], source="测试名单"
    )

    # Then each household's head is the member registered as head
    assert (result.buildings, result.households, result.residents) == (1, 2, 5)
    heads = dict(Household.objects.filter(pk__in=result.household_ids).values_list("room", "head__name"))
    assert heads == {"1单元101": "王建国", "2单元202": "赵强"}
    assert Building.objects.count() == 2


def test_birth_date_and_sex_are_read_from_the_id_number(building_spec):
    bulk_register_households(actor=None, households=[_family(building_spec)], source="测试名单")

    spouse = Resident.objects.get(name="李秀英")
    assert spouse.birth_date == dt.date(1960, 7, 2)
    assert spouse.sex == "female"


def test_provenance_tags_and_one_audit_event_are_written(building_spec):
    # Given a head with a disability tag
    tag = TagSpec(tag="disability", level=2, source="区残联名单", valid_from=dt.date(2024, 1, 1))

    # When the household is registered in bulk
    bulk_register_households(actor=None, households=[_family(building_spec, tags=[tag])], source="测试名单")

    # Then every recorded field has its source, the tag is kept, and one audit event sums it up
    head = Resident.objects.get(name="王建国")
    assert set(FieldProvenance.objects.filter(resident=head).values_list("field", flat=True)) == {
        "name",
        "id_number",
        "phone",
        "hukou_status",
        "ethnicity",
        "residence_status",
        "household",
        "relation_to_head",
        "birth_date",
        "sex",
    }
    assert FieldProvenance.objects.get(resident=head, field="name").value == "王建国"
    assert set(FieldProvenance.objects.values_list("source", flat=True)) == {"测试名单"}
    assert list(head.changes.values_list("field", flat=True)) == ["created"]
    assignment = TagAssignment.objects.get()
    assert (assignment.resident, assignment.level, assignment.source) == (head, 2, "区残联名单")
    event = AuditEvent.objects.get(action="household.bulk_registered")
    assert event.data["residents"] == 3
    assert event.area_code == building_spec.area.code


def test_a_bad_id_number_raises_and_writes_nothing(building_spec):
    # Given a list whose second household carries an ID number with a wrong check character
    households = [_family(building_spec), _family(building_spec, head_id="36042619910102009X", room="102")]

    # When it is registered in bulk
    with pytest.raises(DomainError) as raised:
        bulk_register_households(actor=None, households=households, source="测试名单")

    # Then the error names the rule and the row, and nothing at all was written
    assert raised.value.code == "id_bad_check"
    assert "2" in str(raised.value.message)
    assert Resident.objects.count() == 0
    assert Household.objects.count() == 0
    assert Building.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_an_already_registered_id_number_is_rejected(building_spec):
    ResidentFactory(id_number=SPOUSE_ID)

    with pytest.raises(DomainError) as raised:
        bulk_register_households(actor=None, households=[_family(building_spec)], source="测试名单")

    assert raised.value.code == "duplicate_id_number"
    assert Resident.objects.count() == 1


def test_the_same_id_number_twice_in_the_list_is_rejected(building_spec):
    households = [_family(building_spec), _family(building_spec, room="102")]

    with pytest.raises(DomainError) as raised:
        bulk_register_households(actor=None, households=households, source="测试名单")

    assert raised.value.code == "duplicate_id_number"


def test_a_household_without_exactly_one_head_is_rejected(building_spec):
    headless = HouseholdSpec(
        building=building_spec, room="101", members=[MemberSpec(name="张三", relation_to_head="spouse")]
    )

    with pytest.raises(DomainError) as raised:
        bulk_register_households(actor=None, households=[headless], source="测试名单")

    assert raised.value.code == "household_needs_one_head"


def test_a_disability_tag_without_grade_is_rejected(building_spec):
    tag = TagSpec(tag="disability", source="区残联名单", valid_from=dt.date(2024, 1, 1))

    with pytest.raises(DomainError) as raised:
        bulk_register_households(
            actor=None, households=[_family(building_spec, tags=[tag])], source="测试名单"
        )

    assert raised.value.code == "tag_level_required"
    assert not Resident.objects.exists()
