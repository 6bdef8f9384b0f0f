"""The meals authorization matrix: every role, a canteen (and an order, a rule) inside its area and one just
outside. Canteens, menus, rules, kitchen lists and statements need MANAGE_MEALS over the canteen's area;
orders on a resident's behalf need ORDER_CARE over the resident's grid; a resident sees only their own
orders. Everything else answers 404."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.accounts.roles import Capability, Role
from linli.meals import services
from linli.meals.models import Canteen, Dish, Order, SubsidyRule
from linli.meals.tests.factories import account
from tests.matrix import World, allowed, place_for

M, ORDER = Capability.MANAGE_MEALS, Capability.ORDER_CARE


class Meals:
    def __init__(self) -> None:
        self.canteens: dict[str, Canteen] = {}
        self.dishes: dict[str, Dish] = {}
        self.orders: dict[str, Order] = {}
        self.rules: dict[str, SubsidyRule] = {}


@pytest.fixture
def meals(world: World) -> Meals:
    """At every place: a canteen in its grid with tomorrow's lunch, the place's resident's order, a rule."""
    made = Meals()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for code, place in world.places.items():
        canteen = services.create_canteen(
            actor=None, area=place.grid, name=f"食堂{code}", kind="community", address="测试路", delivers=True
        )
        services.set_canteen_meal(
            actor=None,
            canteen=canteen,
            meal="lunch",
            opens_at=dt.time(11),
            closes_at=dt.time(13),
            capacity=20,
            cutoff_minutes=60,
        )
        dish = services.add_dish(
            actor=None, canteen=canteen, day=tomorrow, meal="lunch", name="套餐", price_fen=1200
        )
        made.canteens[code], made.dishes[code] = canteen, dish
        made.orders[code] = services.place_order(
            actor=account(place.resident), resident=place.resident, dish=dish
        )
        made.rules[code] = services.create_subsidy_rule(
            actor=None,
            area=place.grid,
            name=f"规则{code}",
            kind="age",
            min_age=60,
            amount_fen=300,
            valid_from=tomorrow,
        )
    return made


def at(meals: Meals, world: World, role: Role, where: str, kind: str):
    return getattr(meals, kind)[place_for(world, role, where).grid.code]


def test_canteen_pages_answer_inside_and_404_outside(world, meals):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for role in Role:
        client = world.clients[role]
        for where in ("outside", "inside"):
            canteen = at(meals, world, role, where, "canteens")
            ok = where == "inside" and allowed(role, M)
            for name in ("canteen", "canteen_edit", "kitchen", "statement", "statement_xlsx"):
                response = client.get(reverse(f"meals:{name}", args=[canteen.pk]))
                assert response.status_code == (200 if ok else 404), (name, role.value, where)
            meal = client.post(
                reverse("meals:canteen_meal", args=[canteen.pk]),
                {
                    "meal": "dinner",
                    "opens_at": "17:00",
                    "closes_at": "18:30",
                    "capacity": 30,
                    "cutoff_minutes": 120,
                },
            )
            assert meal.status_code == (302 if ok else 404), (role.value, where)
            added = client.post(
                reverse("meals:dish_add", args=[canteen.pk]),
                {
                    "day": tomorrow,
                    "meal": "lunch",
                    "name": f"加菜{role.value}",
                    "price": "10",
                    "is_set_meal": "on",
                },
            )
            assert added.status_code == (302 if ok else 404), (role.value, where)
            assert Dish.objects.filter(name=f"加菜{role.value}", sitting__canteen=canteen).exists() is ok
            copied = client.post(
                reverse("meals:menu_copy", args=[canteen.pk]), {"from_day": tomorrow, "to_day": tomorrow}
            )
            assert copied.status_code == (302 if ok else 404), (role.value, where)
            edit = client.post(
                reverse("meals:canteen_edit", args=[canteen.pk]),
                {
                    "name": canteen.name,
                    "kind": "community",
                    "area": canteen.area_id,
                    "address": "新地址",
                    "is_active": "on",
                },
            )
            assert edit.status_code == (302 if ok else 404), (role.value, where)
            dish = at(meals, world, role, where, "dishes")
            withdrawn = client.post(reverse("meals:dish_withdraw", args=[dish.pk]))
            assert withdrawn.status_code == (302 if ok else 404), (role.value, where)
            dish.refresh_from_db()
            assert dish.is_available is not ok, (role.value, where)
            if ok:
                Dish.objects.filter(pk=dish.pk).update(is_available=True)


def test_the_canteen_list_shows_inside_canteens_and_new_ones_only_in_scope(world, meals):
    for role in Role:
        client = world.clients[role]
        listing = client.get(reverse("meals:manage"))
        new_page = client.get(reverse("meals:canteen_new"))
        if not allowed(role, M):
            assert listing.status_code == new_page.status_code == 404, role.value
            assert client.post(reverse("meals:canteen_new"), {}).status_code == 404
            continue
        listed = {c.pk for c, _sittings in listing.context["rows"]}
        assert at(meals, world, role, "inside", "canteens").pk in listed, role.value
        assert at(meals, world, role, "outside", "canteens").pk not in listed, role.value
        offered = set(new_page.context["form"].fields["area"].queryset.values_list("pk", flat=True))
        outside_area = world.outside(role).grid.parent
        assert outside_area.pk not in offered, role.value
        form = {
            "name": f"新食堂{role.value}",
            "kind": "school",
            "address": "学校路",
            "min_age": 60,
            "is_active": "on",
        }
        refused = client.post(reverse("meals:canteen_new"), {**form, "area": outside_area.pk})
        assert refused.status_code == 200 and not Canteen.objects.filter(name=form["name"]).exists()
        created = client.post(reverse("meals:canteen_new"), {**form, "area": world.inside().grid.parent.pk})
        assert created.status_code == 302 and Canteen.objects.filter(name=form["name"]).exists(), role.value


def test_rules_are_listed_and_ended_inside_only(world, meals):
    for role in Role:
        client = world.clients[role]
        page = client.get(reverse("meals:rules"))
        assert page.status_code == (200 if allowed(role, M) else 404), role.value
        for where in ("outside", "inside"):
            rule = at(meals, world, role, where, "rules")
            ok = where == "inside" and allowed(role, M)
            if allowed(role, M):
                assert (rule in page.context["rules"]) is ok, (role.value, where)
            ended = client.post(reverse("meals:rule_end", args=[rule.pk]))
            assert ended.status_code == (302 if ok else 404), (role.value, where)
            rule.refresh_from_db()
            assert rule.is_active is not ok
            SubsidyRule.objects.filter(pk=rule.pk).update(is_active=True)


def test_workers_order_and_cancel_for_residents_of_their_area_only(world, meals):
    for role in Role:
        client = world.clients[role]
        listing = client.get(
            reverse("meals:orders") + f"?day={meals.orders[world.inside().grid.code].sitting.date}&q=王"
        )
        if not allowed(role, ORDER):
            assert listing.status_code == 404, role.value
        else:
            listed = {o.pk for o in listing.context["orders"]}
            assert at(meals, world, role, "inside", "orders").pk in listed, role.value
            assert at(meals, world, role, "outside", "orders").pk not in listed, role.value
            found = {r.pk for r in listing.context["residents"]}
            assert world.inside().resident.pk in found and world.outside(role).resident.pk not in found
        for where in ("outside", "inside"):
            place = place_for(world, role, where)
            ok = where == "inside" and allowed(role, ORDER)
            order = meals.orders[place.grid.code]
            cancelled = client.post(reverse("meals:order_cancel", args=[order.pk]))
            assert cancelled.status_code == (302 if ok else 404), (role.value, where)
            order.refresh_from_db()
            assert (order.status == "cancelled") is ok, (role.value, where)
            url = reverse("meals:order_for", args=[place.resident.pk])
            assert client.get(url).status_code == (200 if ok else 404), (role.value, where)
            placed = client.post(url, {"dish": meals.dishes[place.grid.code].pk, "delivery": "on"})
            assert placed.status_code == (302 if ok else 404), (role.value, where)
            if ok:
                fresh = Order.objects.get(resident=place.resident, status="placed")
                assert (fresh.ordered_by, fresh.delivery) == (world.users[role], "worker")
                meals.orders[place.grid.code] = fresh


def test_residents_see_and_cancel_only_their_own_orders(world, meals):
    inside = world.inside()
    own = meals.orders[inside.grid.code]
    other = next(order for code, order in meals.orders.items() if code != inside.grid.code)
    client = Client()
    client.force_login(account(inside.resident))
    home = client.get(reverse("meals:home"))
    assert home.status_code == 200
    offered = {s.canteen_id for s in home.context["sittings"]}
    assert meals.canteens[inside.grid.code].pk in offered
    assert [o.pk for o in client.get(reverse("meals:my_orders")).context["orders"]] == [own.pk]
    assert client.post(reverse("meals:cancel_own", args=[other.number])).status_code == 404
    assert client.get(reverse("meals:cancel_own", args=[other.number])).status_code == 404
    assert client.get(reverse("meals:cancel_own", args=[own.number])).status_code == 200
    other.refresh_from_db()
    assert other.status == "placed"
    assert client.post(reverse("meals:cancel_own", args=[own.number])).status_code == 302
    own.refresh_from_db()
    assert own.status == "cancelled"
    # A canteen of another street is not offered to this resident.
    far = meals.dishes["110109002001001"]
    assert client.get(reverse("meals:order", args=[far.pk])).status_code == 404
    mine = meals.dishes[inside.grid.code]
    assert client.get(reverse("meals:order", args=[mine.pk])).status_code == 200
    assert client.post(reverse("meals:order", args=[mine.pk])).status_code == 302
    # Staff have no resident pages; anonymous visitors are sent to the resident login.
    for role in Role:
        staff = world.clients[role]
        assert staff.get(reverse("meals:home")).status_code == 404
        assert staff.get(reverse("meals:my_orders")).status_code == 404
        assert staff.get(reverse("meals:order", args=[mine.pk])).status_code == 404
        assert staff.post(reverse("meals:cancel_own", args=[own.number])).status_code == 404
        assert staff.get(reverse("meals:cancel_own", args=[own.number])).status_code == 404
    anonymous = Client().get(reverse("meals:home"))
    assert anonymous.status_code == 302 and "/accounts/resident" in anonymous["Location"]
