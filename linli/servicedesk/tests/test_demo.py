import datetime as dt

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.tests.factories import area_tree
from linli.registry.tests.factories import ResidentFactory, make_id_number
from linli.servicedesk.demo import create_demo_cases
from linli.servicedesk.models import Case, Rating


def test_demo_cases_are_made_once_in_every_state(db):
    grid = area_tree("110109001001001")
    staff_with_role(Role.COMMUNITY_WORKER, grid.parent, username="community_worker")
    staff_with_role(Role.COMMUNITY_DIRECTOR, grid.parent, username="community_director")
    for n in range(12):
        ResidentFactory(
            household__building__area=grid, id_number=make_id_number(n, birth=dt.date(1930 + n * 5, 1, 1))
        )
    made = create_demo_cases()
    assert made == Case.objects.count() >= 10
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"submitted", "accepted", "in_progress", "needs_info", "done", "rejected"} <= statuses
    assert Rating.objects.count() == 2
    assert create_demo_cases() == 0
