import datetime as dt

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.tests.factories import area_tree
from linli.homecare.demo import create_demo_home_care
from linli.homecare.models import Order, OrderRating, OrderStatus, Provider
from linli.registry.tests.factories import ResidentFactory, make_id_number


def test_demo_home_care_is_made_once_with_orders_in_every_state(db):
    grid = area_tree("110109001001001")
    staff_with_role(Role.COMMUNITY_WORKER, area_tree("110109001001"), username="community_worker")
    staff_with_role(Role.ADMINISTRATOR, area_tree("110109"), username="administrator")
    for n in range(12):
        ResidentFactory(
            household__building__area=grid, id_number=make_id_number(n, birth=dt.date(1930 + n, 1, 1))
        )
    made = create_demo_home_care()
    assert made == Order.objects.count() == 10
    assert Provider.objects.count() == 3
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    assert sorted(OrderRating.objects.values_list("level", flat=True)) == [2, 5]
    assert set(Order.objects.values_list("channel", flat=True)) == {"online", "on_behalf"}
    assert create_demo_home_care() == 0
