"""The pages: a resident orders in two steps and follows the order; workers filter their list; managers
see a provider's bad ratings."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.homecare import links
from linli.homecare.models import Order
from linli.homecare.services import rate_order, transition_order
from linli.homecare.tests.factories import make_provider, order_for, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_client(account):
    client = Client()
    client.force_login(account)
    return client


def test_a_resident_orders_in_two_steps_in_elder_mode(resident_client, account, provider, resident):
    account.elder_mode = True
    account.save(update_fields=["elder_mode"])
    start = resident_client.get(reverse("homecare:order_start"))
    assert b'class="elder"' in start.content
    assert "助浴" in start.content.decode()
    form_page = resident_client.get(reverse("homecare:order_new", args=["bathing"]))
    form = form_page.context["form"]
    # One provider serves here: it is chosen already; the address is the one on record.
    assert form.initial["provider"] == provider.pk
    assert form_page.context["address"].startswith(resident.household.building.address)
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    posted = resident_client.post(
        reverse("homecare:order_new", args=["bathing"]),
        {"day": day, "slot": "afternoon", "provider": provider.pk, "note": "需要防滑垫"},
    )
    order = Order.objects.get()
    assert posted.status_code == 302 and posted["Location"] == reverse(
        "homecare:my_order", args=[order.number]
    )
    local = timezone.localtime(order.starts_at)
    assert (local.date().isoformat(), local.hour, timezone.localtime(order.ends_at).hour) == (day, 14, 18)
    assert order.note == "需要防滑垫" and order.account == account
    page = resident_client.get(posted["Location"])
    assert [b[0] for b in page.context["buttons"]] == ["cancel"]


def test_a_refused_order_is_shown_beside_the_form(resident_client, provider, community_a):
    other = make_provider(community_a, name="理发社", types=("haircut",))
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = resident_client.post(
        reverse("homecare:order_new", args=["bathing"]), {"day": day, "slot": "morning", "provider": other.pk}
    )
    # Only providers of the service are offered: another one is not a valid choice.
    assert response.status_code == 200 and response.context["form"].errors["provider"]
    assert not Order.objects.exists()


def test_without_a_provider_the_resident_is_told_to_call_the_community(resident_client):
    page = resident_client.get(reverse("homecare:order_new", args=["rehabilitation"]))
    assert page.status_code == 200 and b'data-testid="no-provider"' in page.content


def test_the_resident_confirms_completion_and_rates(resident_client, order):
    token = links.make_token(order)
    transition_order(order=order, action="confirm", provider_token=token)
    transition_order(order=order, action="start", provider_token=token)
    transition_order(order=order, action="finish", provider_token=token)
    page = resident_client.get(reverse("homecare:my_order", args=[order.number]))
    assert [b[0] for b in page.context["buttons"]] == ["complete"]
    resident_client.post(reverse("homecare:my_order_act", args=[order.number]), {"action": "complete"})
    order.refresh_from_db()
    assert order.status == "completed"
    page = resident_client.get(reverse("homecare:my_order", args=[order.number]))
    assert page.context["rating_form"] is not None
    resident_client.post(reverse("homecare:my_order_rate", args=[order.number]), {"level": 1})
    assert not hasattr(Order.objects.get(pk=order.pk), "rating")  # a bad rating needs a comment
    resident_client.post(
        reverse("homecare:my_order_rate", args=[order.number]), {"level": 1, "comment": "没有按时来"}
    )
    page = resident_client.get(reverse("homecare:my_order", args=[order.number]))
    assert page.context["rating"].level == 1 and page.context["rating_form"] is None
    assert [e.action for e in page.context["events"]] == [
        "place",
        "confirm",
        "start",
        "finish",
        "complete",
        "rate",
    ]


def test_the_worker_list_filters_by_state_provider_and_day(
    staff_client, worker_a, account, resident, provider, community_a, django_assert_max_num_queries
):
    other = make_provider(community_a, name="洁净家政")
    first = order_for(account, resident, provider)
    second = order_for(
        account,
        resident,
        other,
        code="cleaning",
        starts_at=tomorrow_at(9) + dt.timedelta(days=1),
        ends_at=tomorrow_at(10) + dt.timedelta(days=1),
    )
    transition_order(order=second, action="confirm", provider_token=links.make_token(second))
    client = staff_client(worker_a)
    url = reverse("homecare:orders")

    def listed(query=""):
        return [o.pk for o in client.get(url + query).context["orders"]]

    assert listed() == [second.pk, first.pk]
    assert listed("?status=confirmed") == [second.pk]
    assert listed(f"?provider={provider.pk}") == [first.pk]
    assert listed(f"?date={timezone.localtime(second.starts_at).date().isoformat()}") == [second.pk]
    assert listed("?status=nonsense&date=garbage") == [second.pk, first.pk]
    for day in range(2, 7):
        order_for(
            account,
            resident,
            provider,
            starts_at=tomorrow_at(14) + dt.timedelta(days=day),
            ends_at=tomorrow_at(15) + dt.timedelta(days=day),
        )
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert len(page.context["orders"]) == 7


def test_the_worker_order_page_masks_the_phone_and_shows_the_history(staff_client, worker_a, order, resident):
    page = staff_client(worker_a).get(reverse("homecare:order", args=[order.pk]))
    body = page.content.decode()
    assert resident.phone not in body and resident.phone[-4:] in body
    assert [e.action for e in page.context["events"]] == ["place"]
    assert [b[0] for b in page.context["buttons"]] == ["cancel"]


def test_bad_ratings_show_on_the_provider_s_page(staff_client, worker_a, account, order, resident, provider):
    token = links.make_token(order)
    for action in ("confirm", "start"):
        transition_order(order=order, action=action, provider_token=token)
    transition_order(order=order, action="complete", actor=account)
    rate_order(actor=account, order=order, level=1, comment="态度很差")
    good = order_for(account, resident, provider)
    for action in ("confirm", "start"):
        transition_order(order=good, action=action, provider_token=links.make_token(good))
    transition_order(order=good, action="complete", actor=account)
    rate_order(actor=account, order=good, level=5)
    client = staff_client(worker_a)
    page = client.get(reverse("homecare:provider", args=[provider.pk]))
    ratings = page.context["ratings"]
    assert ratings.count == 2 and ratings.average == 3
    assert [r.order_id for r in ratings.bad] == [order.pk]
    assert "态度很差" in page.content.decode()
    row = next(
        p for p in client.get(reverse("homecare:providers")).context["providers"] if p.pk == provider.pk
    )
    assert (row.rating_count, row.bad_count) == (2, 1)


def test_a_manager_registers_a_provider_through_the_form(staff_client, worker_a, community_a):
    from linli.homecare.models import Provider, ServiceType

    client = staff_client(worker_a)
    response = client.post(
        reverse("homecare:provider_new"),
        {
            "name": "永定居家养老服务站",
            "contact_name": "赵站长",
            "phone": "13900001234",
            "area": community_a.pk,
            "service_types": list(
                ServiceType.objects.filter(code__in=["bathing", "haircut"]).values_list("pk", flat=True)
            ),
            "served_areas": [community_a.pk],
            "is_active": "on",
        },
    )
    provider = Provider.objects.get(name="永定居家养老服务站")
    assert response.status_code == 302
    assert provider.phone == "13900001234"
    page = client.get(reverse("homecare:provider", args=[provider.pk])).content.decode()
    assert "13900001234" not in page and "1234" in page


def test_the_navigation_leads_residents_and_workers_to_home_care(resident_client, staff_client, grid_worker):
    assert b'data-testid="nav-home-care"' in resident_client.get(reverse("homecare:mine")).content
    page = staff_client(grid_worker).get(reverse("homecare:orders"))
    assert b'data-testid="nav-home-care-orders"' in page.content
    assert b'data-testid="nav-home-care"' not in page.content


def test_the_worker_list_keeps_showing_current_orders_after_years_of_history(
    worker_a, account, resident, provider
):
    from linli.homecare.selectors import OrderFilters, worker_orders

    current = order_for(account, resident, provider)
    for years in (1, 2, 3):
        old = order_for(account, resident, provider, code="cleaning")
        shift = dt.timedelta(days=365 * years)
        Order.objects.filter(pk=old.pk).update(
            starts_at=old.starts_at - shift, ends_at=old.ends_at - shift, status="completed"
        )
    listed = worker_orders(user=worker_a, filters=OrderFilters(), limit=2)
    assert current.pk in [o.pk for o in listed]


def test_the_order_pages_offer_only_people_living_here(resident_client, resident, account):
    from linli.registry.tests.factories import ResidentFactory

    widow = ResidentFactory(
        area=resident.area, household=resident.household, phone=resident.phone, name="王德明"
    )
    type(widow).objects.filter(pk=widow.pk).update(
        phone_index=resident.phone_index, residence_status="deceased"
    )
    page = resident_client.get(reverse("homecare:order_start"))
    assert [p.pk for p in page.context["persons"]] == [resident.pk]
    chosen = resident_client.get(reverse("homecare:order_new", args=["bathing"]) + f"?for={widow.pk}")
    assert chosen.context["person"] == resident


def test_the_order_button_is_not_read_as_the_noun_order(resident_client, provider):
    """ "Order" alone is the catalogue's noun (序号, a row number); the button has a context of its own."""
    from django.utils import translation

    page = resident_client.get(
        reverse("homecare:order_new", args=["bathing"]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    button = page.content.decode().split('data-testid="submit-order">')[1].split("<")[0]
    with translation.override("zh-hans"):
        assert button != translation.gettext("Order")


def test_the_day_choices_are_read_in_the_page_s_language(resident_client, provider):
    """The day labels are made when the form is, in the language of the request, not at import."""
    url = reverse("homecare:order_new", args=["bathing"])
    chinese = resident_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    labels = [str(label) for _value, label in chinese.context["form"].fields["day"].choices]
    assert labels[0].startswith("明天，") and labels[1].startswith("后天，")
    assert "Tomorrow" not in chinese.content.decode() and "明天，" in chinese.content.decode()
    english = resident_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    labels = [str(label) for _value, label in english.context["form"].fields["day"].choices]
    assert labels[0].startswith("Tomorrow, ") and labels[1].startswith("The day after tomorrow, ")
