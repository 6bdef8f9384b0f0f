"""Orders: capacity, cut-off, one per person, delivery eligibility, prices stored with their rule; the kitchen
list and the monthly statement read them back."""

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.errors import DomainError
from linli.core.models import AuditEvent, Notification
from linli.core.tests.factories import area_tree
from linli.meals import selectors, services
from linli.meals.models import Order, OrderEvent, Sitting
from linli.meals.tests.factories import DAY, account, at, canteen, dish, resident, tag

GRID = "110109001001001"
OTHER_STREET_GRID = "110109002001001"


@pytest.fixture
def grid(db):
    return area_tree(GRID)


@pytest.fixture
def district(grid):
    return grid.parent.parent.parent


@pytest.fixture
def kitchen(grid):
    return canteen(grid.parent, capacity=2)


@pytest.fixture
def rules(district):
    made = {}
    plans: list[tuple[str, str, dict[str, Any]]] = [
        ("八十岁以上", "age", {"min_age": 80, "amount_fen": 500}),
        ("六十至七十九岁", "age", {"min_age": 60, "max_age": 79, "amount_fen": 200}),
        ("低保", "tag", {"tag": "minimum_allowance", "percent": 50}),
        ("独居老人送餐", "tag", {"tag": "elderly_living_alone", "grants_delivery": True}),
        ("重度残疾", "ability", {"max_grade": 2, "amount_fen": 600, "grants_delivery": True}),
    ]
    for name, kind, extra in plans:
        made[name] = services.create_subsidy_rule(
            actor=None, area=district, name=name, kind=kind, valid_from=dt.date(2025, 1, 1), **extra
        )
    return made


def order_for(person, food, *, now=None, **kw):
    return services.place_order(
        actor=account(person), resident=person, dish=food, now=now or at(DAY, 8), **kw
    )


def test_an_order_stores_base_price_subsidy_what_is_paid_and_the_rule(grid, kitchen, rules):
    old = resident(grid, n=1, birth=dt.date(1940, 1, 1))
    tag(old, "minimum_allowance")
    order = order_for(old, dish(kitchen, price=1500))
    # 86 years (5 yuan) and 低保 (half: 7.50 yuan): the better rule gives the subsidy.
    assert (order.base_price_fen, order.subsidy_fen, order.pays_fen) == (1500, 750, 750)
    assert (order.rule, order.rule_name, order.channel) == (rules["低保"], "低保", "resident")
    assert order.sitting.booked == 1
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True)) == ["placed"]


def test_without_a_rule_the_resident_pays_the_full_price(grid, kitchen, rules):
    young = resident(grid, n=2, birth=dt.date(1990, 1, 1))
    order = order_for(young, dish(kitchen, price=1500))
    assert (order.subsidy_fen, order.pays_fen, order.rule, order.rule_name) == (0, 1500, None, "")


def test_a_grade_from_the_disability_tag_gives_its_subsidy(grid, kitchen, rules):
    person = resident(grid, n=3, birth=dt.date(1980, 1, 1))
    tag(person, "disability", level=2)
    order = order_for(person, dish(kitchen, price=1500))
    assert (order.rule, order.subsidy_fen) == (rules["重度残疾"], 600)


def test_a_full_meal_refuses_the_next_order(grid, kitchen):
    food = dish(kitchen)
    order_for(resident(grid, n=1), food)
    order_for(resident(grid, n=2), food)
    with pytest.raises(DomainError) as refused:
        order_for(resident(grid, n=3), food)
    assert refused.value.code == "meal_full"
    assert Sitting.objects.get().booked == 2 and Order.objects.count() == 2


def test_the_database_refuses_overbooking_too(grid, kitchen):
    dish(kitchen)
    with pytest.raises(IntegrityError), transaction.atomic():
        Sitting.objects.update(booked=3)


def test_one_meal_per_person_and_sitting(grid, kitchen):
    person, food = resident(grid, n=1), dish(kitchen)
    order_for(person, food)
    with pytest.raises(DomainError) as refused:
        order_for(person, dish(kitchen, name="素三鲜"))
    assert refused.value.code == "order_exists"
    assert Sitting.objects.get().booked == 1


def test_orders_close_at_the_cut_off(grid, kitchen):
    food = dish(kitchen)  # lunch at 11:00, orders close 120 minutes before
    assert selectors.local_zone().key == "Asia/Shanghai"
    order_for(resident(grid, n=1), food, now=at(DAY, 8, 59))
    with pytest.raises(DomainError) as refused:
        order_for(resident(grid, n=2), food, now=at(DAY, 9, 0))
    assert refused.value.code == "order_cutoff_passed"


def test_a_cancellation_before_the_cut_off_frees_the_portion(grid, kitchen):
    food = dish(kitchen)
    first = order_for(resident(grid, n=1), food)
    order_for(resident(grid, n=2), food)
    cancelled = services.cancel_order(actor=account(first.resident), order=first, now=at(DAY, 8, 30))
    assert cancelled.status == "cancelled"
    assert Sitting.objects.get().booked == 1
    order_for(resident(grid, n=3), food, now=at(DAY, 8, 40))
    assert list(cancelled.events.values_list("kind", flat=True)) == ["placed", "cancelled"]


def test_no_cancellation_after_the_cut_off(grid, kitchen):
    order = order_for(resident(grid, n=1), dish(kitchen))
    with pytest.raises(DomainError) as refused:
        services.cancel_order(actor=account(order.resident), order=order, now=at(DAY, 9, 30))
    assert refused.value.code == "cancel_cutoff_passed"
    order.refresh_from_db()
    assert order.status == "placed" and order.sitting.booked == 1


def test_a_resident_cannot_order_or_cancel_for_someone_else(grid, kitchen):
    me, other, food = resident(grid, n=1), resident(grid, n=2), dish(kitchen)
    with pytest.raises(DomainError) as refused:
        services.place_order(actor=account(me), resident=other, dish=food, now=at(DAY, 8))
    assert refused.value.code == "order_not_yours"
    theirs = order_for(other, food)
    with pytest.raises(DomainError):
        services.cancel_order(actor=account(me), order=theirs, now=at(DAY, 8))


def test_delivery_needs_a_qualifying_rule_or_a_worker(grid, kitchen, rules):
    food = dish(kitchen)
    plain = resident(grid, n=1, birth=dt.date(1950, 1, 1))
    with pytest.raises(DomainError) as refused:
        order_for(plain, food, delivery=True)
    assert refused.value.code == "delivery_not_allowed"

    alone = resident(grid, n=2, birth=dt.date(1950, 1, 1))
    tag(alone, "elderly_living_alone")
    by_rule = order_for(alone, food, delivery=True)
    assert (by_rule.delivery, by_rule.delivery_fee_fen) == ("rule", 300)
    # The age rule (2 yuan) gives the subsidy; the delivery rule gives the delivery: 15 - 2 + 3.
    assert (by_rule.rule_name, by_rule.pays_fen) == ("六十至七十九岁", 1600)
    assert by_rule.delivery_phone == alone.phone and "测试路" in by_rule.delivery_address

    worker = staff_with_role(Role.GRID_WORKER, grid)
    marked = services.place_order(actor=worker, resident=plain, dish=food, delivery=True, now=at(DAY, 8))
    assert (marked.delivery, marked.ordered_by, marked.channel) == ("worker", worker, "worker")


def test_no_delivery_from_a_canteen_that_does_not_deliver(grid, rules):
    place = canteen(grid.parent, name="堂食食堂", delivers=False)
    alone = resident(grid, n=2)
    tag(alone, "elderly_living_alone")
    with pytest.raises(DomainError) as refused:
        order_for(alone, dish(place), delivery=True)
    assert refused.value.code == "delivery_not_offered"


def test_a_worker_orders_on_behalf_inside_their_area_only(grid, kitchen):
    food = dish(kitchen)
    worker = staff_with_role(Role.GRID_WORKER, grid)
    person = resident(grid, n=1)
    order = services.place_order(actor=worker, resident=person, dish=food, now=at(DAY, 8))
    assert order.ordered_by == worker
    assert AuditEvent.objects.filter(action="meals.order_on_behalf", object_id=str(order.pk)).exists()
    sms = Notification.objects.get(idempotency_key=f"meals:order:{order.number}")
    assert sms.recipient == person.phone
    assert sms.body.startswith("【邻里】已为您预订")  # the project's SMS signature, as in every other SMS
    services.cancel_order(actor=worker, order=order, now=at(DAY, 8, 30))
    told = Notification.objects.exclude(pk=sms.pk).get(purpose="meals.order")
    assert (
        told.recipient == person.phone and told.body.startswith("【邻里】") and told.body.endswith("已取消。")
    )
    neighbour = resident(area_tree("110109001001002"), n=2)
    with pytest.raises(DomainError) as refused:
        services.place_order(actor=worker, resident=neighbour, dish=food, now=at(DAY, 8))
    assert refused.value.code == "order_out_of_scope"


def test_canteens_serve_their_street_and_school_canteens_their_age(grid, kitchen):
    school = canteen(grid.parent, name="大峪中学食堂", kind="school", min_age=60)
    far = canteen(area_tree(OTHER_STREET_GRID).parent, name="别的街道食堂")  # type: ignore[arg-type]
    old, young = (
        resident(grid, n=1, birth=dt.date(1950, 1, 1)),
        resident(grid, n=2, birth=dt.date(1990, 1, 1)),
    )
    assert set(selectors.canteens_for_resident(resident=old)) == {kitchen, school}
    assert set(selectors.canteens_for_resident(resident=young)) == {kitchen}
    with pytest.raises(DomainError) as refused:
        order_for(young, dish(school))
    assert refused.value.code == "canteen_not_for_resident"
    with pytest.raises(DomainError):
        order_for(old, dish(far))


def test_the_kitchen_list_counts_dishes_per_meal_and_lists_deliveries_masked(grid, kitchen, rules):
    big = canteen(grid.parent, name="大食堂", capacity=20)
    pork, greens = dish(big, name="红烧肉套餐"), dish(big, name="素三鲜", price=1000)
    noodles = dish(big, meal="dinner", name="炸酱面", price=800)
    people = [resident(grid, n=i) for i in range(1, 7)]
    tag(people[0], "elderly_living_alone")
    order_for(people[0], pork, delivery=True)
    order_for(people[1], pork)
    order_for(people[2], pork)
    order_for(people[3], greens)
    cancelled = order_for(people[4], greens)
    services.cancel_order(actor=account(people[4]), order=cancelled, now=at(DAY, 8, 10))
    order_for(people[5], noodles)
    dish(big, day=DAY + dt.timedelta(days=1))  # another day: not on this list

    lunch, dinner = selectors.kitchen_list(canteen=big, day=DAY)
    assert lunch.sitting.meal == "lunch" and dinner.sitting.meal == "dinner"
    assert {d.name: d.count for d in lunch.dishes} == {"红烧肉套餐": 3, "素三鲜": 1}
    assert (lunch.total, lunch.pickups, len(lunch.deliveries)) == (4, 3, 1)
    line = lunch.deliveries[0]
    assert line.resident_name == people[0].name
    assert people[0].phone not in line.masked_phone and line.masked_phone.endswith(people[0].phone[-4:])
    assert "*" in line.masked_address and line.masked_address != cancelled.delivery_address
    assert {d.name: d.count for d in dinner.dishes} == {"炸酱面": 1}


def test_the_monthly_statement_totals_subsidy_per_rule(grid, kitchen, rules):
    big = canteen(grid.parent, name="大食堂", capacity=20)
    march = [dish(big, day=DAY), dish(big, day=DAY + dt.timedelta(days=1), price=1200)]
    april = dish(big, day=dt.date(2026, 4, 1))
    eighty = resident(grid, n=1, birth=dt.date(1940, 1, 1))
    seventy = resident(grid, n=2, birth=dt.date(1955, 1, 1))
    young = resident(grid, n=3, birth=dt.date(1990, 1, 1))
    for food in march:
        order_for(eighty, food)  # 5 yuan each
        order_for(seventy, food)  # 2 yuan each
    order_for(young, march[0])  # no subsidy
    order_for(eighty, april)
    gone = order_for(young, march[1])
    services.cancel_order(actor=account(young), order=gone, now=at(DAY, 8))

    statement = selectors.monthly_statement(canteen=big, year=2026, month=3)
    rows = {r.rule_name: (r.orders, r.base_fen, r.subsidy_fen, r.pays_fen) for r in statement.rows}
    assert rows == {
        "八十岁以上": (2, 2700, 1000, 1700),
        "六十至七十九岁": (2, 2700, 400, 2300),
        "": (1, 1500, 0, 1500),
    }
    assert [r.rule_name for r in statement.rows][-1] == ""  # unsubsidised meals last
    total = statement.total
    assert (total.orders, total.base_fen, total.subsidy_fen, total.pays_fen) == (5, 6900, 1400, 5500)
    assert len(total.residents) == 3 and len(statement.lines) == 5


def test_a_capacity_change_follows_into_open_sittings_but_never_below_booked(grid, kitchen):
    food = dish(kitchen)
    order_for(resident(grid, n=1), food)
    order_for(resident(grid, n=2), food)
    services.set_canteen_meal(
        actor=None,
        canteen=kitchen,
        meal="lunch",
        opens_at=dt.time(11),
        closes_at=dt.time(13),
        capacity=1,
        cutoff_minutes=60,
        now=at(DAY, 8),
    )
    sitting = Sitting.objects.get()
    assert (sitting.capacity, sitting.booked) == (2, 2)
    assert sitting.orders_close_at == at(DAY, 10)


def test_rules_are_checked_when_made(district):
    with pytest.raises(DomainError) as refused:
        services.create_subsidy_rule(
            actor=None, area=district, name="x", kind="ability", max_grade=5, amount_fen=1, valid_from=DAY
        )
    assert refused.value.code == "rule_grade_required"
    with pytest.raises(DomainError) as refused:
        services.create_subsidy_rule(
            actor=None, area=district, name="x", kind="age", min_age=60, valid_from=DAY
        )
    assert refused.value.code == "rule_empty"
    worker = staff_with_role(Role.COMMUNITY_DIRECTOR, area_tree(GRID).parent)
    with pytest.raises(DomainError) as refused:
        services.create_subsidy_rule(
            actor=worker, area=district, name="x", kind="age", min_age=60, amount_fen=1, valid_from=DAY
        )
    assert refused.value.code == "meals_area_out_of_scope"


def test_an_ended_rule_prices_no_new_order_but_keeps_the_old_ones(grid, kitchen, rules):
    old = resident(grid, n=1, birth=dt.date(1940, 1, 1))
    first = order_for(old, dish(kitchen))
    services.end_subsidy_rule(actor=None, rule=rules["八十岁以上"])
    later = order_for(old, dish(kitchen, meal="dinner"))
    first.refresh_from_db()
    assert (first.rule_name, first.subsidy_fen) == ("八十岁以上", 500)
    assert (later.rule_name, later.subsidy_fen) == ("", 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_orders_never_overbook():
    grid = area_tree(GRID)
    place = canteen(grid.parent, capacity=3)  # type: ignore[arg-type]
    food = dish(place)
    people = [resident(grid, n=i) for i in range(1, 9)]
    accounts = [account(p) for p in people]
    start = threading.Barrier(len(people))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        result = "not tried"
        try:
            start.wait(timeout=30)
            # SQLite's in-memory test database answers "table is locked" where a file database waits for
            # the writer: try again, as a user would.
            for _try in range(200):
                try:
                    services.place_order(actor=accounts[i], resident=people[i], dish=food, now=at(DAY, 8))
                    result = "ok"
                    break
                except OperationalError as exc:
                    result = repr(exc)
                    time.sleep(0.02)
        except DomainError as error:
            result = error.code
        except Exception as exc:  # surfaced below
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["meal_full"] * 5 + ["ok"] * 3, outcomes
    sitting = Sitting.objects.get()
    assert sitting.booked == 3 == Order.objects.filter(status="placed").count()
