"""The console's reads, called directly: each stays inside the worker's alarm scope, and finds nothing for a
staff user without one."""

# factory_boy has no type hints.
# mypy: disable-error-code="no-untyped-call"

import pytest

from linli.accounts.roles import Capability
from linli.accounts.tests.factories import StaffFactory
from linli.alarms import selectors
from linli.alarms.models import TriggerSource
from linli.alarms.services import trigger_alarm
from linli.core.models import AreaLevel
from linli.registry.models import Resident
from linli.registry.tests.factories import BuildingFactory, HouseholdFactory, ResidentFactory

RESPOND = Capability.RESPOND_ALARMS


def resident_at(area, *, name: str, latitude: float, longitude: float) -> Resident:
    building = BuildingFactory(area=area, latitude=latitude, longitude=longitude)
    return ResidentFactory(household=HouseholdFactory(building=building), name=name)


@pytest.fixture
def inside(grid_a) -> Resident:
    return resident_at(grid_a, name="王桂芳", latitude=39.94, longitude=116.10)


@pytest.fixture
def outside(grid_b) -> Resident:
    return resident_at(grid_b, name="王桂兰", latitude=30.0, longitude=120.0)


def test_the_console_reads_only_alarms_and_places_in_the_workers_scope(inside, outside, worker_a):
    mine = trigger_alarm(source=TriggerSource.DEVICE, resident=inside)
    trigger_alarm(source=TriggerSource.DEVICE, resident=outside)

    assert [state[0] for state in selectors.live_alarm_states(user=worker_a)] == [mine.pk]
    assert {alarm_id for alarm_id, _index in selectors.step_kinds(alarms=[mine])} == {mine.pk}
    assert selectors.scope_box(user=worker_a) == (39.94, 116.10, 39.94, 116.10)


def test_the_manual_entry_finds_and_offers_only_what_is_in_the_workers_scope(
    inside, outside, worker_a, community_a
):
    assert selectors.residents_for_call(user=worker_a, name="王桂") == [inside]
    assert selectors.residents_for_call(user=worker_a, name="王桂", last4=inside.phone[-4:]) == [inside]
    assert selectors.residents_for_call(user=worker_a, name="王桂", last4=outside.phone[-4:]) == []
    assert selectors.resident_in_scope(user=worker_a, resident_id=inside.pk, capability=RESPOND) == inside
    assert selectors.resident_in_scope(user=worker_a, resident_id=outside.pk, capability=RESPOND) is None
    areas = list(selectors.areas_for_call(user=worker_a))
    assert areas and all(a.code.startswith(community_a.code) for a in areas)
    assert {a.level for a in areas} <= {AreaLevel.COMMUNITY, AreaLevel.GRID}


def test_a_staff_user_without_alarm_scope_reads_nothing(inside):
    nobody = StaffFactory()
    trigger_alarm(source=TriggerSource.DEVICE, resident=inside)

    assert selectors.live_alarm_states(user=nobody) == []
    assert selectors.scope_box(user=nobody) is None
    assert list(selectors.areas_for_call(user=nobody)) == []
    assert selectors.residents_for_call(user=nobody, name="王桂") == []
    assert selectors.resident_in_scope(user=nobody, resident_id=inside.pk, capability=RESPOND) is None
