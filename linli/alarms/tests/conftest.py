import datetime as dt

import pytest
from django.utils import timezone

from linli.registry.tests.factories import HouseholdFactory, ResidentFactory


@pytest.fixture
def t0():
    """The moment of the first trigger; tests move the dispatcher's clock from here."""
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def elder(grid_a):
    household = HouseholdFactory(
        building__area=grid_a, area=grid_a, building__latitude=39.94, building__longitude=116.10
    )
    return ResidentFactory(household=household, area=grid_a, name="李奶奶")


def later(t: dt.datetime, seconds: float) -> dt.datetime:
    return t + dt.timedelta(seconds=seconds)
