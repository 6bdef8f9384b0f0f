"""Edges found in review: statement lines per rule (not per name), delivery fees apart from the meal totals,
a rule that takes nothing off, spreadsheet cells that must stay text, and garbage posted to the pages."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from conftest import login_staff
from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.errors import DomainError
from linli.core.models import AuditEvent, Notification
from linli.core.tests.factories import area_tree
from linli.meals import selectors, services
from linli.meals.models import Canteen, Dish, Order, SubsidyRule
from linli.meals.tests.factories import DAY, account, at, canteen, dish, resident, tag
from linli.registry.tests.factories import ResidentFactory

GRID = "110109001001001"


@pytest.fixture
def grid(db):
    return area_tree(GRID)


def order_for(person, food, **kw):
    return services.place_order(actor=account(person), resident=person, dish=food, now=at(DAY, 8), **kw)


def test_two_rules_with_the_same_name_are_two_lines_of_the_statement(grid):
    street, district = grid.parent.parent, grid.parent.parent.parent
    for area, amount in ((district, 300), (street, 500)):
        services.create_subsidy_rule(
            actor=None,
            area=area,
            name="高龄补贴",
            kind="age",
            min_age=80 if area == street else 60,
            amount_fen=amount,
            valid_from=dt.date(2025, 1, 1),
        )
    place = canteen(grid.parent, capacity=10)
    food = dish(place)
    order_for(resident(grid, n=1, birth=dt.date(1940, 1, 1)), food)  # street rule, 5 yuan
    order_for(resident(grid, n=2, birth=dt.date(1955, 1, 1)), food)  # district rule, 3 yuan
    statement = selectors.monthly_statement(canteen=place, year=DAY.year, month=DAY.month)
    assert sorted((r.rule_name, r.orders, r.subsidy_fen) for r in statement.rows) == [
        ("高龄补贴", 1, 300),
        ("高龄补贴", 1, 500),
    ]


def test_the_statement_keeps_delivery_fees_apart_from_what_residents_paid_for_meals(grid):
    place = canteen(grid.parent, capacity=10, delivery_fee_fen=300)
    person = resident(grid, n=1)
    worker = staff_with_role(Role.COMMUNITY_WORKER, grid.parent)
    services.place_order(actor=worker, resident=person, dish=dish(place), delivery=True, now=at(DAY, 8))
    order_for(resident(grid, n=2), Dish.objects.get())
    statement = selectors.monthly_statement(canteen=place, year=DAY.year, month=DAY.month)
    total = statement.total
    # The page says delivery fees are not in the totals: meal price - subsidy = what residents paid for meals.
    assert (total.base_fen, total.subsidy_fen, total.pays_fen, total.delivery_fee_fen) == (3000, 0, 3000, 300)


def test_a_rule_that_takes_nothing_off_is_not_the_subsidy_rule_of_the_order(grid):
    services.create_subsidy_rule(
        actor=None,
        area=grid.parent,
        name="独居送餐",
        kind="tag",
        tag="elderly_living_alone",
        grants_delivery=True,
        valid_from=dt.date(2025, 1, 1),
    )
    person = resident(grid, n=1)
    tag(person, "elderly_living_alone")
    placed = order_for(person, dish(canteen(grid.parent)), delivery=True)
    assert (placed.delivery, placed.subsidy_fen, placed.rule_id, placed.rule_name) == ("rule", 0, None, "")


def test_names_in_the_statement_spreadsheet_stay_text(grid):
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, grid.parent)
    place = canteen(grid.parent, capacity=10)
    day = timezone.localdate() + dt.timedelta(days=1)
    food = services.add_dish(
        actor=None, canteen=place, day=day, meal="lunch", name='=HYPERLINK("http://x","1")', price_fen=1000
    )
    services.place_order(actor=director, resident=resident(grid, n=1), dish=food)
    client = login_staff(Client(), director)
    download = client.get(reverse("meals:statement_xlsx", args=[place.pk]) + f"?month={day:%Y-%m}")
    lines = CalamineWorkbook.from_filelike(io.BytesIO(download.content)).get_sheet_by_index(1).to_python()
    assert lines[1][4] == '=HYPERLINK("http://x","1")'
    assert b"<f>" not in download.content and b"HYPERLINK" not in download.content.split(b"sharedStrings")[0]


def test_a_delivery_needs_an_address_to_deliver_to(grid):
    place = canteen(grid.parent)
    person = ResidentFactory(household=None, area=grid, address="")
    worker = staff_with_role(Role.COMMUNITY_WORKER, grid.parent)
    with pytest.raises(DomainError) as refused:
        services.place_order(actor=worker, resident=person, dish=dish(place), delivery=True, now=at(DAY, 8))
    assert refused.value.code == "delivery_no_address"
    assert not Order.objects.exists()


# --- garbage posted to the pages -------------------------------------------------------------------


@pytest.fixture
def manager(grid):
    return login_staff(Client(), staff_with_role(Role.COMMUNITY_DIRECTOR, grid.parent))


def test_huge_amounts_are_refused_with_a_message_not_a_crash(grid, manager):
    place = canteen(grid.parent)
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    added = manager.post(
        reverse("meals:dish_add", args=[place.pk]),
        {"day": day, "meal": "lunch", "name": "金饭", "price": "999999999999"},
    )
    assert added.status_code == 400 and added.context["dish_form"].errors["price"]
    assert not Dish.objects.filter(name="金饭").exists()
    made = manager.post(
        reverse("meals:canteen_new"),
        {
            "name": "贵食堂",
            "kind": "community",
            "area": grid.parent.pk,
            "address": "路",
            "delivers": "on",
            "delivery_fee": "99999999999",
        },
    )
    assert made.status_code == 200 and made.context["form"].errors["delivery_fee"]
    assert not Canteen.objects.filter(name="贵食堂").exists()
    rule = manager.post(
        reverse("meals:rules"),
        {
            "name": "大补贴",
            "area": grid.parent.pk,
            "kind": "age",
            "min_age": "60",
            "amount": "99999999999",
            "valid_from": day,
        },
    )
    assert rule.status_code == 200 and rule.context["form"].errors["amount"]
    assert not SubsidyRule.objects.exists()


def test_dishes_go_on_menus_of_the_coming_year_only(grid, manager):
    place = canteen(grid.parent)
    today = timezone.localdate()
    for day in (today - dt.timedelta(days=1), dt.date(9999, 12, 31)):
        added = manager.post(
            reverse("meals:dish_add", args=[place.pk]),
            {"day": day.isoformat(), "meal": "lunch", "name": "菜", "price": "10"},
        )
        assert added.status_code == 400 and added.context["dish_form"].errors["day"], day
    copied = manager.post(
        reverse("meals:menu_copy", args=[place.pk]),
        {"from_day": today.isoformat(), "to_day": "9999-12-31"},
    )
    assert copied.status_code == 400 and copied.context["copy_form"].errors["to_day"]
    assert not Dish.objects.exists()


def test_copying_a_menu_says_how_many_dishes_in_a_counted_sentence(grid, manager):
    place = canteen(grid.parent)
    first, second = (timezone.localdate() + dt.timedelta(days=n) for n in (1, 2))
    added = manager.post(
        reverse("meals:dish_add", args=[place.pk]),
        {"day": first.isoformat(), "meal": "lunch", "name": "红烧肉套餐", "price": "12"},
    )
    assert added.status_code == 302
    copied = manager.post(
        reverse("meals:menu_copy", args=[place.pk]),
        {"from_day": first.isoformat(), "to_day": second.isoformat()},
        follow=True,
    )
    assert [str(m) for m in copied.context["messages"]][-1] == "已复制1道菜。"


def test_far_off_days_and_months_in_links_answer_without_a_crash(grid, manager):
    place = canteen(grid.parent)
    for url in (
        reverse("meals:manage") + "?day=9999-12-31",
        reverse("meals:canteen", args=[place.pk]) + "?day=9999-12-31",
        reverse("meals:kitchen", args=[place.pk]) + "?day=0001-01-01",
        reverse("meals:orders") + "?day=9999-12-31",
        reverse("meals:statement", args=[place.pk]) + "?month=9999-12",
        reverse("meals:statement_xlsx", args=[place.pk]) + "?month=9999-12",
    ):
        assert manager.get(url).status_code == 200, url


def test_a_worker_posting_a_bad_dish_is_told_so(grid):
    worker = staff_with_role(Role.COMMUNITY_WORKER, grid.parent)
    client = login_staff(Client(), worker)
    person = resident(grid, n=1)
    response = client.post(reverse("meals:order_for", args=[person.pk]), {"dish": "abc"}, follow=True)
    assert response.status_code == 200
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = translation.gettext("Please choose a dish from the menu.")
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert not Order.objects.exists()


def test_order_numbers_never_collide(grid, monkeypatch):
    food = dish(canteen(grid.parent, capacity=10))
    first = order_for(resident(grid, n=1), food)
    drawn = iter([first.number.split("-")[1].lower(), "00c0ffee"])
    monkeypatch.setattr("linli.meals.services.secrets.token_hex", lambda _n: next(drawn))
    second = order_for(resident(grid, n=2), food)
    assert second.number != first.number and second.number.endswith("00C0FFEE")


def test_a_worker_cancelling_for_a_resident_tells_them_and_is_audited(grid):
    worker = staff_with_role(Role.COMMUNITY_WORKER, grid.parent)
    person = resident(grid, n=1)
    placed = services.place_order(
        actor=worker, resident=person, dish=dish(canteen(grid.parent)), now=at(DAY, 8), notify=False
    )
    services.cancel_order(actor=worker, order=placed, now=at(DAY, 8, 30))
    sms = Notification.objects.get(idempotency_key=f"meals:cancel:{placed.number}")
    assert sms.recipient == person.phone
    audited = AuditEvent.objects.filter(action="meals.order_cancelled_on_behalf", object_id=str(placed.pk))
    assert audited.exists()
    # A resident cancelling their own order is not told by SMS.
    mine = order_for(person, Dish.objects.get())
    services.cancel_order(actor=account(person), order=mine, now=at(DAY, 8, 40))
    assert not Notification.objects.filter(idempotency_key=f"meals:cancel:{mine.number}").exists()


def test_an_order_for_someone_not_behind_the_phone_is_not_placed_for_another(grid):
    food = services.add_dish(
        actor=None,
        canteen=canteen(grid.parent),
        day=timezone.localdate() + dt.timedelta(days=1),
        meal="lunch",
        name="套餐",
        price_fen=1000,
    )
    person, stranger = resident(grid, n=1), resident(grid, n=2)
    client = Client()
    client.force_login(account(person))
    assert client.post(reverse("meals:order", args=[food.pk]), {"for": stranger.pk}).status_code == 404
    assert client.get(reverse("meals:home") + f"?for={stranger.pk}").status_code == 404
    assert not Order.objects.exists()
