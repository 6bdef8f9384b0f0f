"""The provider's signed link: one order, until it expires, with POST for every change."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.homecare import links
from linli.homecare.models import Order
from linli.homecare.tests.factories import order_for

pytestmark = pytest.mark.django_db


def link(order, token=None):
    return reverse("homecare:provider_link", args=[order.number, token or links.make_token(order)])


def act_url(order, token=None):
    return reverse("homecare:provider_act", args=[order.number, token or links.make_token(order)])


def test_the_sms_link_opens_the_order_and_get_changes_nothing(order, provider):
    from linli.core.models import Notification

    body = Notification.objects.get(idempotency_key=f"homecare:{order.pk}:place:provider").body
    path = body[body.index("/home-care/p/") :].split()[0]
    page = Client().get(path)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "no-referrer"
    assert [b[0] for b in page.context["buttons"]] == ["confirm", "decline"]
    order.refresh_from_db()
    assert order.status == "requested"
    assert Client().get(path.rstrip("/") + "/act/").status_code == 405


def test_before_confirming_the_provider_sees_masked_data_and_after_it_the_address(order, resident):
    client = Client()
    before = client.get(link(order)).content.decode()
    assert resident.phone not in before and order.address not in before
    assert resident.phone[-4:] in before and resident.name not in before and resident.name[0] in before
    assert client.post(act_url(order), {"action": "confirm"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "confirmed"
    after = client.get(link(order)).content.decode()
    assert order.address in after and resident.phone in after
    assert AuditEvent.objects.filter(action="homecare.provider_link_reveal", object_id=str(order.pk)).exists()
    client.post(act_url(order), {"action": "start"})
    client.post(act_url(order), {"action": "finish"})
    order.refresh_from_db()
    assert order.status == "finished"
    Order.objects.filter(pk=order.pk).update(status="completed")
    closed = client.get(link(order)).content.decode()
    assert order.address not in closed and resident.phone not in closed


def test_the_provider_declines_with_a_reason_by_post(order):
    client = Client()
    client.post(act_url(order), {"action": "decline"})
    order.refresh_from_db()
    assert order.status == "requested"  # no reason, no change
    client.post(act_url(order), {"action": "decline", "note": "师傅请假"})
    order.refresh_from_db()
    assert order.status == "declined"
    assert order.events.last().by == "provider" and order.events.last().actor is None


def test_the_provider_cannot_take_the_resident_s_steps(order):
    Order.objects.filter(pk=order.pk).update(status="in_service")
    Client().post(act_url(order), {"action": "complete"})
    Client().post(act_url(order), {"action": "cancel"})
    order.refresh_from_db()
    assert order.status == "in_service"


def test_a_token_opens_its_own_order_only(order, account, resident, provider):
    other = order_for(account, resident, provider, code="cleaning")
    token = links.make_token(order)
    assert links.token_opens(token, order) and not links.token_opens(token, other)
    client = Client()
    assert client.get(reverse("homecare:provider_link", args=[other.number, token])).status_code == 404
    response = client.post(
        reverse("homecare:provider_act", args=[other.number, token]), {"action": "confirm"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "requested"


def test_edited_and_made_up_tokens_are_refused(order):
    token = links.make_token(order)
    edited = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (edited, "x", "e30:1tAbCd:abc"):
        assert not links.token_opens(bad, order)
        assert Client().get(link(order, bad)).status_code == 404
    from django.core import signing

    forged = signing.dumps({"o": order.pk, "k": order.link_key, "e": 9999999999}, salt="another purpose")
    assert Client().get(link(order, forged)).status_code == 404


def test_a_token_expires_days_after_the_window(order):
    token = links.make_token(order)
    after_window = order.ends_at + links.link_valid_after_window()
    assert links.token_opens(token, order, now=after_window - dt.timedelta(minutes=1))
    assert not links.token_opens(token, order, now=after_window + dt.timedelta(seconds=1))
    past = timezone.now() - dt.timedelta(days=10)
    Order.objects.filter(pk=order.pk).update(starts_at=past, ends_at=past + dt.timedelta(hours=2))
    order.refresh_from_db()
    expired = links.make_token(order)
    assert Client().get(link(order, expired)).status_code == 404
    assert Client().post(act_url(order, expired), {"action": "confirm"}).status_code == 404


def test_changing_the_order_s_key_revokes_its_links(order):
    token = links.make_token(order)
    Order.objects.filter(pk=order.pk).update(link_key=links.new_link_key())
    order.refresh_from_db()
    assert Client().get(link(order, token)).status_code == 404


def test_the_sms_link_uses_the_public_address_when_one_is_set(settings, grid_worker, resident, provider):
    from linli.core.models import Notification

    settings.LINLI_PUBLIC_URL = "https://linli.example.gov.cn/"
    order = order_for(grid_worker, resident, provider, base_url="http://10.1.2.3:8000")
    body = Notification.objects.get(idempotency_key=f"homecare:{order.pk}:place:provider").body
    assert f"https://linli.example.gov.cn/home-care/p/{order.number}/" in body
    assert "10.1.2.3" not in body
