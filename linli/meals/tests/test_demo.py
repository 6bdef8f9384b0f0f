import datetime as dt

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.models import Notification
from linli.core.tests.factories import area_tree
from linli.meals.demo import create_demo_meals
from linli.meals.models import Canteen, Order, SubsidyRule
from linli.meals.selectors import monthly_statement
from linli.registry.tests.factories import ResidentFactory, make_id_number


def test_demo_meals_are_made_once_with_a_school_canteen_menus_and_past_orders(db):
    grid = area_tree("110109001001001")
    staff_with_role(Role.COMMUNITY_WORKER, grid.parent, username="community_worker")
    for n in range(30):
        ResidentFactory(
            household__building__area=grid, id_number=make_id_number(n, birth=dt.date(1935 + n % 25, 3, 1))
        )
    made = create_demo_meals()
    assert made == Order.objects.count() > 30
    assert set(Canteen.objects.values_list("kind", flat=True)) == {"community", "school", "unit"}
    assert Canteen.objects.get(kind="school").min_age == 60
    assert {r.kind for r in SubsidyRule.objects.all()} == {"age", "tag", "ability"}
    assert Order.objects.filter(subsidy_fen__gt=0).exists()
    assert (
        Order.objects.filter(channel="resident").exists() and Order.objects.filter(channel="worker").exists()
    )
    assert not Notification.objects.exists()  # back-filled history sends no SMS
    past = Order.objects.order_by("sitting__date").first()
    assert past is not None
    statement = monthly_statement(
        canteen=past.sitting.canteen, year=past.sitting.date.year, month=past.sitting.date.month
    )
    assert statement.total.orders > 0
    assert create_demo_meals() == 0
