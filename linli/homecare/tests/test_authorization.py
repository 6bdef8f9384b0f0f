"""Home care's authorization matrix: every role, an order and a provider inside its area and just outside.

Workers with ORDER_CARE see and act on the orders of their area; managers with MANAGE_HOME_CARE see the
providers serving their area and edit those managed there; a resident only their own orders; a provider's
link only its own order. Everything else answers 404.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.accounts.roles import Capability, Role
from linli.core.models import Area
from linli.homecare import links
from linli.homecare.models import Order, OrderRating, Provider
from linli.homecare.tests.factories import make_provider, order_for, resident_account
from tests.matrix import World, allowed, place_for

ORDER, MANAGE = Capability.ORDER_CARE, Capability.MANAGE_HOME_CARE


@pytest.fixture
def homecare(world: World):
    """A provider managed at and serving each place's grid, and one order of the place's resident."""
    providers, orders, accounts = {}, {}, {}
    for code, place in world.places.items():
        providers[code] = make_provider(place.grid, name=f"服务社{code}", phone=f"139{code[-8:]}")
        accounts[code] = resident_account(place.resident, username=f"hc-{code}")
        orders[code] = order_for(accounts[code], place.resident, providers[code])
    return providers, orders, accounts


def at(homecare, world, role, where, index=1):
    return homecare[index][place_for(world, role, where).grid.code]


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def test_order_pages_answer_inside_and_404_outside(world, homecare):
    for role in Role:
        client = world.clients[role]
        for where in ("outside", "inside"):
            order = at(homecare, world, role, where)
            ok = where == "inside" and allowed(role, ORDER)
            page = client.get(reverse("homecare:order", args=[order.pk]))
            assert page.status_code == (200 if ok else 404), (role.value, where)
            cancel = client.post(reverse("homecare:order_act", args=[order.pk]), {"action": "cancel"})
            assert cancel.status_code == (302 if ok else 404), (role.value, where)
            order.refresh_from_db()
            assert (order.status == "cancelled") is ok, (role.value, where)
            Order.objects.filter(pk=order.pk).update(status="completed")
            rate = client.post(reverse("homecare:order_rate", args=[order.pk]), {"level": 5})
            assert rate.status_code == (302 if ok else 404), (role.value, where)
            assert OrderRating.objects.filter(order=order).exists() is ok, (role.value, where)
            OrderRating.objects.filter(order=order).delete()
            Order.objects.filter(pk=order.pk).update(status="requested")


def test_the_order_list_shows_inside_orders_and_never_outside_ones(world, homecare):
    for role in Role:
        response = world.clients[role].get(reverse("homecare:orders"))
        if not allowed(role, ORDER):
            assert response.status_code == 404, role.value
            continue
        listed = {o.pk for o in response.context["orders"]}
        assert at(homecare, world, role, "inside").pk in listed, role.value
        assert at(homecare, world, role, "outside").pk not in listed, role.value
        own = world.users[role].memberships.get().area.code
        assert all(o.area_code.startswith(own) for o in response.context["orders"]), role.value


def test_ordering_on_behalf_is_for_residents_of_the_worker_s_area(world, homecare):
    for hour, role in enumerate(Role, start=12):
        client = world.clients[role]
        found = client.get(reverse("homecare:order_for") + "?q=王")
        if not allowed(role, ORDER):
            assert found.status_code == 404, role.value
        else:
            listed = {r.pk for r in found.context["residents"]}
            assert world.inside().resident.pk in listed, role.value
            assert world.outside(role).resident.pk not in listed, role.value
        for where in ("outside", "inside"):
            place = place_for(world, role, where)
            ok = where == "inside" and allowed(role, ORDER)
            url = reverse("homecare:order_for_resident", args=[place.resident.pk])
            assert client.get(url).status_code == (200 if ok else 404), (role.value, where)
            assert client.get(url + "?type=bathing").status_code == (200 if ok else 404), (role.value, where)
            before = Order.objects.count()
            posted = client.post(
                url + "?type=bathing",
                {
                    "provider": homecare[0][place.grid.code].pk,
                    "date": tomorrow(),
                    # Each role its own hour: the same service twice at one time is one order.
                    "start": f"{hour}:00",
                    "end": f"{hour}:30",
                },
            )
            assert posted.status_code == (302 if ok else 404), (role.value, where, posted.content[:300])
            assert Order.objects.count() == before + (1 if ok else 0), (role.value, where)


def test_providers_are_seen_and_managed_inside_and_404_outside(world, homecare):
    for role in Role:
        client = world.clients[role]
        capable = allowed(role, MANAGE)
        listing = client.get(reverse("homecare:providers"))
        assert listing.status_code == (200 if capable else 404), role.value
        assert client.get(reverse("homecare:provider_new")).status_code == (200 if capable else 404)
        for where in ("outside", "inside"):
            place = place_for(world, role, where)
            provider = homecare[0][place.grid.code]
            ok = where == "inside" and capable
            if capable:
                assert (provider in listing.context["providers"]) is ok, (role.value, where)
            page = client.get(reverse("homecare:provider", args=[provider.pk]))
            assert page.status_code == (200 if ok else 404), (role.value, where)
            edit = reverse("homecare:provider_edit", args=[provider.pk])
            assert client.get(edit).status_code == (200 if ok else 404), (role.value, where)
            community = Area.objects.get(code=place.grid.code[:12])
            data = {
                "name": f"改名{role.value}",
                "phone": "",
                "area": community.pk,
                "service_types": [homecare[1][place.grid.code].service_type_id],
                "served_areas": [community.pk],
                "is_active": "on",
            }
            saved = client.post(edit, data)
            assert saved.status_code == (302 if ok else 404), (role.value, where, saved.content[:300])
            provider.refresh_from_db()
            assert (provider.name == f"改名{role.value}") is ok, (role.value, where)
            before = Provider.objects.count()
            created = client.post(reverse("homecare:provider_new"), {**data, "phone": "13900009999"})
            if not capable:
                assert created.status_code == 404
            # A manager registers providers in their own area only: outside areas are not offered.
            assert Provider.objects.count() == before + (1 if ok else 0), (role.value, where)


def test_residents_see_and_act_on_their_own_orders_only(world, homecare):
    inside = world.inside()
    _providers, orders, accounts = homecare
    own = orders[inside.grid.code]
    other = next(o for code, o in orders.items() if code != inside.grid.code)
    client = Client()
    client.force_login(accounts[inside.grid.code])
    assert [o.pk for o in client.get(reverse("homecare:mine")).context["orders"]] == [own.pk]
    assert client.get(reverse("homecare:order_start")).status_code == 200
    assert client.get(reverse("homecare:order_new", args=["bathing"])).status_code == 200
    assert client.get(reverse("homecare:order_new", args=["no-such-service"])).status_code == 404
    assert client.get(reverse("homecare:my_order", args=[own.number])).status_code == 200
    assert client.get(reverse("homecare:my_order", args=[other.number])).status_code == 404
    assert (
        client.post(reverse("homecare:my_order_act", args=[other.number]), {"action": "cancel"}).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == "requested"
    Order.objects.filter(pk__in=[own.pk, other.pk]).update(status="completed")
    assert (
        client.post(reverse("homecare:my_order_rate", args=[other.number]), {"level": 5}).status_code == 404
    )
    assert client.post(reverse("homecare:my_order_rate", args=[own.number]), {"level": 5}).status_code == 302
    assert (
        OrderRating.objects.filter(order=own).exists()
        and not OrderRating.objects.filter(order=other).exists()
    )
    Order.objects.filter(pk=own.pk).update(status="requested")
    assert (
        client.post(reverse("homecare:my_order_act", args=[own.number]), {"action": "cancel"}).status_code
        == 302
    )
    own.refresh_from_db()
    assert own.status == "cancelled"
    # Staff have no resident pages; anonymous visitors are sent to the resident login.
    for role in Role:
        staff = world.clients[role]
        for url in (
            reverse("homecare:mine"),
            reverse("homecare:order_start"),
            reverse("homecare:order_new", args=["bathing"]),
            reverse("homecare:my_order", args=[own.number]),
        ):
            assert staff.get(url).status_code == 404, (role.value, url)
        assert (
            staff.post(reverse("homecare:my_order_act", args=[own.number]), {"action": "cancel"}).status_code
            == 404
        )
        assert (
            staff.post(reverse("homecare:my_order_rate", args=[own.number]), {"level": 1}).status_code == 404
        )
    anonymous = Client().get(reverse("homecare:mine"))
    assert anonymous.status_code == 302 and "/accounts/resident" in anonymous["Location"]


def test_a_provider_link_opens_its_own_order_only(world, homecare):
    orders = homecare[1]
    own, other = list(orders.values())[:2]
    token = links.make_token(own)
    for client in (Client(), *world.clients.values()):
        assert client.get(reverse("homecare:provider_link", args=[own.number, token])).status_code == 200
        assert client.get(reverse("homecare:provider_link", args=[other.number, token])).status_code == 404
        wrong = client.post(
            reverse("homecare:provider_act", args=[other.number, token]), {"action": "confirm"}
        )
        assert wrong.status_code == 404
    other.refresh_from_db()
    assert other.status == "requested"
    done = Client().post(reverse("homecare:provider_act", args=[own.number, token]), {"action": "confirm"})
    assert done.status_code == 302
    own.refresh_from_db()
    assert own.status == "confirmed"
