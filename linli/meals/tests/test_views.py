"""The pages people use: a resident orders in two taps and cancels; the kitchen list hides phones and
addresses; the statement downloads as xlsx with an audit event."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.models import AuditEvent
from linli.core.tests.factories import area_tree
from linli.meals import services
from linli.meals.models import Order, Sitting
from linli.meals.tests.factories import account, canteen, resident, tag


@pytest.fixture
def grid(db):
    return area_tree("110109001001001")


@pytest.fixture
def tomorrow():
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def kitchen(grid, tomorrow):
    place = canteen(grid.parent, name="德露苑长者食堂")
    services.add_dish(
        actor=None, canteen=place, day=tomorrow, meal="lunch", name="红烧肉套餐", price_fen=1500
    )
    services.add_dish(actor=None, canteen=place, day=tomorrow, meal="lunch", name="素三鲜", price_fen=1000)
    services.create_subsidy_rule(
        actor=None,
        area=grid.parent.parent.parent,
        name="六十岁以上",
        kind="age",
        min_age=60,
        amount_fen=300,
        valid_from=dt.date(2025, 1, 1),
    )
    services.create_subsidy_rule(
        actor=None,
        area=grid.parent.parent.parent,
        name="独居送餐",
        kind="tag",
        tag="elderly_living_alone",
        grants_delivery=True,
        valid_from=dt.date(2025, 1, 1),
    )
    return place


def test_a_resident_orders_in_two_taps_and_cancels(grid, kitchen, tomorrow):
    person = resident(grid, n=1, birth=dt.date(1948, 5, 1))
    client = Client()
    client.force_login(account(person))
    home = client.get(reverse("meals:home"))
    page = home.content.decode()
    assert "红烧肉套餐" in page and "¥12.00" in page and "¥15.00" in page  # the subsidy shows
    dish = home.context["sittings"][0].menu[0]
    confirm = client.get(reverse("meals:order", args=[dish.pk]))
    assert confirm.context["offer"].price.pays_fen == dish.price_fen - 300
    assert not confirm.context["may_deliver"]  # no delivery rule for this resident
    done = client.post(reverse("meals:order", args=[dish.pk]), {"for": person.pk})
    assert done.status_code == 302 and done["Location"] == reverse("meals:my_orders")
    order = Order.objects.get(resident=person)
    assert (order.channel, order.ordered_by.kind, order.pays_fen) == (
        "resident",
        "resident",
        dish.price_fen - 300,
    )
    mine = client.get(reverse("meals:my_orders"))
    assert [o.pk for o in mine.context["orders"]] == [order.pk]
    assert reverse("meals:cancel_own", args=[order.number]) in mine.content.decode()
    again = client.get(reverse("meals:home"))
    assert order.sitting_id in again.context["ordered"]
    # The first tap only asks; the order stands until the resident says yes.
    asked = client.get(reverse("meals:cancel_own", args=[order.number]))
    assert asked.status_code == 200 and order.dish.name in asked.content.decode()
    assert 'data-testid="cancel-yes"' in asked.content.decode()
    order.refresh_from_db()
    assert order.status == "placed"
    client.post(reverse("meals:cancel_own", args=[order.number]))
    order.refresh_from_db()
    assert order.status == "cancelled" and Sitting.objects.get(pk=order.sitting_id).booked == 0
    # A cancelled order is not offered for cancelling again.
    again_asked = client.get(reverse("meals:cancel_own", args=[order.number]))
    assert again_asked.status_code == 302 and again_asked["Location"] == reverse("meals:my_orders")


def test_a_resident_living_alone_may_ask_for_delivery(grid, kitchen, tomorrow):
    person = resident(grid, n=2, birth=dt.date(1948, 5, 1))
    tag(person, "elderly_living_alone")
    client = Client()
    client.force_login(account(person))
    dish = client.get(reverse("meals:home")).context["sittings"][0].menu[0]
    confirm = client.get(reverse("meals:order", args=[dish.pk]) + "?delivery=1")
    assert confirm.context["may_deliver"] and confirm.context["offer"].price.delivery_fee_fen == 300
    client.post(reverse("meals:order", args=[dish.pk]), {"for": person.pk, "delivery": "1"})
    assert Order.objects.get(resident=person).delivery == "rule"


def test_after_the_cut_off_the_meal_is_no_longer_offered(grid, kitchen, tomorrow):
    person = resident(grid, n=3)
    Sitting.objects.update(orders_close_at=timezone.now() - dt.timedelta(minutes=1))
    client = Client()
    client.force_login(account(person))
    assert client.get(reverse("meals:home")).context["sittings"] == []
    dish = Sitting.objects.get().dishes.all()[0]
    refused = client.post(reverse("meals:order", args=[dish.pk]), {"for": person.pk}, follow=True)
    assert not Order.objects.exists()
    with translation.override(refused.wsgi_request.LANGUAGE_CODE):
        expected = translation.gettext("Orders for this meal have closed. Please choose a later meal.")
    assert [str(m) for m in refused.context["messages"]] == [expected]


def test_the_kitchen_list_page_masks_phones_and_addresses(
    grid, kitchen, tomorrow, django_assert_max_num_queries
):
    worker = staff_with_role(Role.COMMUNITY_WORKER, grid.parent)
    people = [resident(grid, n=10 + i) for i in range(5)]
    dish = Sitting.objects.get().dishes.all()[0]
    for person in people:
        services.place_order(actor=worker, resident=person, dish=dish, delivery=True)
    client = Client()
    from conftest import login_staff

    login_staff(client, worker)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("meals:kitchen", args=[kitchen.pk]) + f"?day={tomorrow.isoformat()}")
    body = page.content.decode()
    assert page.context["sittings"][0].total == 5 and len(page.context["sittings"][0].deliveries) == 5
    for person in people:
        assert person.phone not in body and person.phone[-4:] in body
        assert str(person.household) not in body
    with django_assert_max_num_queries(20):
        listing = client.get(reverse("meals:orders") + f"?day={tomorrow.isoformat()}")
    assert len(listing.context["orders"]) == 5


def test_the_statement_downloads_as_xlsx_and_the_export_is_audited(grid, kitchen, tomorrow):
    worker = staff_with_role(Role.COMMUNITY_DIRECTOR, grid.parent)
    dish = Sitting.objects.get().dishes.get(name="红烧肉套餐")
    for n in range(3):
        services.place_order(
            actor=worker, resident=resident(grid, n=20 + n, birth=dt.date(1950, 1, 1)), dish=dish
        )
    services.place_order(actor=worker, resident=resident(grid, n=30, birth=dt.date(1995, 1, 1)), dish=dish)
    client = Client()
    from conftest import login_staff

    login_staff(client, worker)
    month = f"{tomorrow:%Y-%m}"
    page = client.get(reverse("meals:statement", args=[kitchen.pk]) + f"?month={month}")
    assert page.context["statement"].total.subsidy_fen == 900
    download = client.get(reverse("meals:statement_xlsx", args=[kitchen.pk]) + f"?month={month}")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")
    book = CalamineWorkbook.from_filelike(io.BytesIO(download.content))
    summary = book.get_sheet_by_index(0).to_python()
    rows = {row[0]: row[1:] for row in summary[3:]}
    assert rows["六十岁以上"][0] == 3 and rows["六十岁以上"][3] == pytest.approx(9.0)
    total = summary[-1]
    assert total[1] == 4 and total[3] == pytest.approx(60.0) and total[4] == pytest.approx(9.0)
    assert len(book.get_sheet_by_index(1).to_python()) == 5  # header and four orders
    event = AuditEvent.objects.get(action="meals.statement_export")
    assert event.actor == worker and event.data == {"month": month, "orders": 4}
