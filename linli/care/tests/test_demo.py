"""The demo's care data: plans for the district, visits of past weeks, some overdue, volunteers."""

import pytest
from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.care.demo import create_demo_care
from linli.care.models import CarePlan, Visit, Volunteer
from linli.care.tests.factories import resident_in
from linli.core.tests.factories import area_tree

pytestmark = pytest.mark.django_db


def test_the_demo_records_visits_and_leaves_some_overdue():
    grid = area_tree("110109001001001")
    grid2 = area_tree("110109001001002")
    elsewhere = area_tree("110109002001001")
    community = area_tree("110109001001")
    staff_with_role(Role.GRID_WORKER, grid, username="grid_worker")
    staff_with_role(Role.COMMUNITY_WORKER, community, username="community_worker")
    staff_with_role(Role.COMMUNITY_DIRECTOR, community, username="community_director")
    staff_with_role(Role.ADMINISTRATOR, area_tree("110109"), username="administrator")
    for index in range(30):
        resident_in((grid, grid2)[index % 2], "elderly_living_alone" if index % 3 else ("disability", 1))
    for _ in range(5):
        resident_in(elsewhere, "empty_nest")

    recorded = create_demo_care(sample_elsewhere=3)

    today = timezone.localdate()
    assert recorded == Visit.objects.count() > 30
    assert CarePlan.objects.count() == 35
    assert Volunteer.objects.filter(area_code=community.code).count() == 2
    # The second grid has no grid worker: its plans went to the volunteers.
    assert not CarePlan.objects.filter(area_code=grid2.code, volunteer__isnull=True).exists()
    overdue = CarePlan.objects.filter(next_due__lt=today, area_code__startswith=community.code).count()
    assert 0 < overdue < 30
    assert Visit.objects.filter(outcome="not_reached").exists()
    assert Visit.objects.filter(area_code=elsewhere.code).count() == 3
    assert create_demo_care() == 0
