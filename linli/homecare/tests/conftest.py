import pytest

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.homecare.tests.factories import make_provider, order_for, resident_account
from linli.registry.tests.factories import HouseholdFactory, ResidentFactory


@pytest.fixture
def resident(grid_a):
    household = HouseholdFactory(building__area=grid_a, area=grid_a)
    return ResidentFactory(household=household, area=grid_a, name="李秀英")


@pytest.fixture
def account(resident):
    return resident_account(resident)


@pytest.fixture
def provider(community_a):
    return make_provider(community_a)


@pytest.fixture
def grid_worker(grid_a):
    return staff_with_role(Role.GRID_WORKER, grid_a)


@pytest.fixture
def order(account, resident, provider):
    return order_for(account, resident, provider)
