"""Garbage posted or asked of every route is refused with a message, never a server error."""

import pytest
from django.test import Client
from django.urls import reverse

from linli.homecare import links

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_client(account):
    client = Client(raise_request_exception=True)
    client.force_login(account)
    return client


@pytest.mark.parametrize(
    "query",
    ["?provider=²", "?provider=99999999999999999999999", "?date=0001-01-01", "?date=9999-12-31"],
)
def test_the_worker_list_shrugs_off_odd_filters(staff_client, worker_a, order, query):
    response = staff_client(worker_a).get(reverse("homecare:orders") + query)
    assert response.status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_worker_order_at_the_ends_of_the_calendar_is_refused_with_a_message(
    staff_client, worker_a, resident, provider, day
):
    url = reverse("homecare:order_for_resident", args=[resident.pk]) + "?type=bathing"
    response = staff_client(worker_a).post(
        url, {"provider": provider.pk, "date": day, "start": "00:00", "end": "23:59"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_acting_without_an_action_says_so(resident_client, order):
    for data in ({}, {"action": "x" * 40}, {"action": "confirm", "note": "n" * 900}):
        response = resident_client.post(
            reverse("homecare:my_order_act", args=[order.number]), data, follow=True
        )
        assert response.status_code == 200
        assert [str(m) for m in response.context["messages"]], data
    order.refresh_from_db()
    assert order.status == "requested"


def test_a_provider_posting_garbage_is_told_and_nothing_changes(order):
    url = reverse("homecare:provider_act", args=[order.number, links.make_token(order)])
    response = Client().post(url, {"action": ""}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]
    order.refresh_from_db()
    assert order.status == "requested"


@pytest.mark.parametrize(
    "route", ["homecare:order", "homecare:order_for_resident", "homecare:provider", "homecare:provider_edit"]
)
def test_a_number_too_large_for_the_database_is_not_found(staff_client, worker_a, route):
    response = staff_client(worker_a).get(reverse(route, args=[10**30]))
    assert response.status_code == 404


def test_garbage_posted_to_the_worker_routes_is_refused_with_a_message(
    staff_client, worker_a, order, resident, provider
):
    client = staff_client(worker_a)
    client.raise_request_exception = True
    garbage = {"action": "\u202e" * 3, "note": "x", "level": "六", "comment": "c" * 3000}
    for route in ("homecare:order_act", "homecare:order_rate"):
        response = client.post(reverse(route, args=[order.pk]), garbage, follow=True)
        assert response.status_code == 200 and [str(m) for m in response.context["messages"]], route
    placed = client.post(
        reverse("homecare:order_for_resident", args=[resident.pk]) + "?type=bathing",
        {"provider": "abc", "date": "2026-02-30", "start": "25:00", "end": "x"},
    )
    assert placed.status_code == 200
    assert set(placed.context["form"].errors) == {"provider", "date", "start", "end"}
    for route, args in (("homecare:provider_new", []), ("homecare:provider_edit", [provider.pk])):
        saved = client.post(
            reverse(route, args=args),
            {"name": "", "phone": "123", "area": "x", "service_types": ["y"], "served_areas": ["z"]},
        )
        assert saved.status_code == 200 and saved.context["form"].errors, route
    order.refresh_from_db()
    assert order.status == "requested" and not hasattr(order, "rating")
