"""Placing an order, its messages, ratings and providers: the rules the services enforce."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.errors import DomainError
from linli.core.models import AuditEvent, Notification
from linli.homecare import links
from linli.homecare.models import OrderRating, ServiceType
from linli.homecare.services import (
    lapse_unconfirmed_orders,
    place_order,
    rate_order,
    save_provider,
    transition_order,
)
from linli.homecare.tests.factories import make_provider, order_for, service, tomorrow_at
from linli.registry.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_the_service_types_are_seeded_as_data():
    names = set(ServiceType.objects.values_list("name", flat=True))
    assert {"助浴", "助洁", "助医", "上门护理", "理发", "康复", "陪伴"} <= names


def test_a_resident_orders_for_themselves_with_the_address_of_the_golden_record(order, account, resident):
    assert order.status == "requested" and order.channel == "online"
    assert order.account == account and order.ordered_by is None
    household = resident.household
    assert order.address == f"{household.building.address} {household.room}"
    assert order.phone == resident.phone
    assert order.area_code == resident.area.code
    assert order.number.startswith("HC") and order.number.endswith(f"{order.pk:06d}")
    assert [e.action for e in order.events.all()] == ["place"]
    assert AuditEvent.objects.filter(action="homecare.order_place", object_id=str(order.pk)).exists()


def test_a_worker_orders_on_a_resident_s_behalf_in_their_area_only(grid_worker, resident, provider, grid_b):
    order = order_for(grid_worker, resident, provider)
    assert order.channel == "on_behalf" and order.ordered_by == grid_worker and order.account is None
    outsider = ResidentFactory(area=grid_b, household__area=grid_b, household__building__area=grid_b)
    with pytest.raises(DomainError) as refused:
        order_for(grid_worker, outsider, provider)
    assert refused.value.code == "not_in_your_area"


def test_a_resident_cannot_order_for_someone_else(account, provider, grid_a):
    neighbour = ResidentFactory(area=grid_a, household__area=grid_a, household__building__area=grid_a)
    with pytest.raises(DomainError) as refused:
        order_for(account, neighbour, provider)
    assert refused.value.code == "not_your_record"


@pytest.mark.parametrize(
    ("starts", "ends", "code"),
    [
        (tomorrow_at(11), tomorrow_at(9), "window_order"),
        (tomorrow_at(9), tomorrow_at(9), "window_order"),
        (timezone.now() - dt.timedelta(hours=1), timezone.now() + dt.timedelta(hours=1), "window_past"),
        (tomorrow_at(6), tomorrow_at(6) + dt.timedelta(hours=13), "window_too_long"),
        (tomorrow_at(9) + dt.timedelta(days=70), tomorrow_at(10) + dt.timedelta(days=70), "window_too_far"),
        (dt.datetime(2030, 1, 1, 9), dt.datetime(2030, 1, 1, 10), "window_naive"),  # noqa: DTZ001
    ],
)
def test_the_time_window_must_be_ahead_ordered_and_reasonable(
    account, resident, provider, starts, ends, code
):
    with pytest.raises(DomainError) as refused:
        order_for(account, resident, provider, starts_at=starts, ends_at=ends)
    assert refused.value.code == code


def test_the_provider_must_offer_the_service_and_serve_the_area(account, resident, community_a, community_b):
    no_haircut = make_provider(community_a, types=("bathing",))
    with pytest.raises(DomainError) as refused:
        order_for(account, resident, no_haircut, code="haircut")
    assert refused.value.code == "provider_does_not_offer"
    elsewhere = make_provider(community_b, name="远方服务社")
    with pytest.raises(DomainError) as refused:
        order_for(account, resident, elsewhere)
    assert refused.value.code == "provider_does_not_serve"
    street_wide = make_provider(community_b, name="街道服务社", served=[community_a.parent])
    assert order_for(account, resident, street_wide).provider == street_wide
    street_wide.is_active = False
    street_wide.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as refused:
        order_for(account, resident, street_wide)
    assert refused.value.code == "provider_does_not_offer"


def test_an_order_needs_an_address_on_record(account, grid_a, provider):
    homeless = ResidentFactory(area=grid_a, household=None, phone=account.phone)
    homeless.phone_index = account.phone_index
    homeless.save(update_fields=["phone_index"])
    with pytest.raises(DomainError) as refused:
        order_for(account, homeless, provider)
    assert refused.value.code == "no_address"


def sms(key_part: str = "") -> list[Notification]:
    return list(Notification.objects.filter(idempotency_key__startswith=f"homecare:{key_part}"))


def test_each_order_event_sends_its_sms_once_with_its_idempotency_key(order, account, provider, resident):
    placed = sms(f"{order.pk}:place:")
    # The resident ordered themselves: only the provider is told, with the link to confirm or decline.
    assert [n.idempotency_key for n in placed] == [f"homecare:{order.pk}:place:provider"]
    assert placed[0].recipient == provider.phone
    assert f"/home-care/p/{order.number}/" in placed[0].body and order.number in placed[0].body
    assert resident.phone not in placed[0].body
    token = links.make_token(order)
    transition_order(order=order, action="confirm", provider_token=token)
    transition_order(order=order, action="start", provider_token=token)
    transition_order(order=order, action="finish", provider_token=token)
    transition_order(order=order, action="complete", actor=account)
    keys = sorted(n.idempotency_key for n in sms(f"{order.pk}:"))
    assert keys == sorted(
        [
            f"homecare:{order.pk}:place:provider",
            f"homecare:{order.pk}:confirm:resident",
            f"homecare:{order.pk}:finish:resident",
        ]
    )
    confirm = Notification.objects.get(idempotency_key=f"homecare:{order.pk}:confirm:resident")
    assert confirm.recipient == resident.phone and provider.name in confirm.body
    # A retried notification for the same event is not queued again.
    from linli.homecare.services import _notify

    _notify(order, "confirm", acted_by="provider")
    assert Notification.objects.filter(idempotency_key=f"homecare:{order.pk}:confirm:resident").count() == 1


def test_a_worker_s_order_tells_the_resident_and_a_cancellation_tells_the_provider(
    grid_worker, resident, provider
):
    order = order_for(grid_worker, resident, provider)
    assert {n.idempotency_key for n in sms(f"{order.pk}:")} == {
        f"homecare:{order.pk}:place:provider",
        f"homecare:{order.pk}:place:resident",
    }
    transition_order(order=order, action="cancel", actor=grid_worker, note="老人住院")
    assert {n.idempotency_key for n in sms(f"{order.pk}:cancel:")} == {
        f"homecare:{order.pk}:cancel:provider",
        f"homecare:{order.pk}:cancel:resident",
    }


def test_a_declined_order_tells_the_resident_why(order, resident):
    transition_order(
        order=order, action="decline", provider_token=links.make_token(order), note="当天人手不足"
    )
    message = Notification.objects.get(idempotency_key=f"homecare:{order.pk}:decline:resident")
    assert "当天人手不足" in message.body and message.recipient == resident.phone


def complete(order, account):
    token = links.make_token(order)
    transition_order(order=order, action="confirm", provider_token=token)
    transition_order(order=order, action="start", provider_token=token)
    return transition_order(order=order, action="complete", actor=account)


def test_a_completed_order_is_rated_once_and_a_bad_rating_needs_a_comment(order, account):
    with pytest.raises(DomainError) as refused:
        rate_order(actor=account, order=order, level=5)
    assert refused.value.code == "order_not_completed"
    complete(order, account)
    with pytest.raises(DomainError) as refused:
        rate_order(actor=account, order=order, level=1)
    assert refused.value.code == "comment_required"
    with pytest.raises(DomainError) as refused:
        rate_order(actor=account, order=order, level=6)
    assert refused.value.code == "rating_level"
    rating = rate_order(actor=account, order=order, level=2, comment="迟到一小时")
    assert rating.is_bad and rating.by == "resident" and rating.provider_id == order.provider_id
    with pytest.raises(DomainError) as refused:
        rate_order(actor=account, order=order, level=5)
    assert refused.value.code == "already_rated"
    assert order.events.last().action == "rate"


def test_a_worker_records_the_rating_and_strangers_cannot(order, account, grid_worker, worker_b):
    complete(order, account)
    with pytest.raises(DomainError) as refused:
        rate_order(actor=worker_b, order=order, level=5)
    assert refused.value.code == "not_allowed"
    rating = rate_order(actor=grid_worker, order=order, level=4)
    assert rating.by == "worker" and OrderRating.objects.count() == 1


def test_providers_are_managed_within_the_manager_s_scope(worker_a, community_a, community_b, grid_a):
    provider = save_provider(
        actor=worker_a,
        name="  康乐服务中心 ",
        area=community_a,
        service_types=[service("bathing"), service("haircut")],
        served_areas=[community_a],
        phone="139 0000 0002",
    )
    assert provider.name == "康乐服务中心" and provider.phone == "13900000002"
    assert provider.area_code == community_a.code
    with pytest.raises(DomainError) as refused:
        save_provider(
            actor=worker_a,
            name="越界",
            area=community_a,
            service_types=[service("bathing")],
            served_areas=[community_a, community_b],
            phone="13900000003",
        )
    assert refused.value.code == "served_area_out_of_scope"
    with pytest.raises(DomainError) as refused:
        save_provider(
            actor=worker_a,
            name="无服务",
            area=community_a,
            service_types=[],
            served_areas=[community_a],
            phone="13900000003",
        )
    assert refused.value.code == "service_types_required"
    with pytest.raises(DomainError) as refused:
        save_provider(
            actor=worker_a,
            name="坏号码",
            area=community_a,
            service_types=[service("bathing")],
            served_areas=[community_a],
            phone="12345",
        )
    assert refused.value.code == "invalid_phone"
    grid_worker = staff_with_role(Role.GRID_WORKER, grid_a)  # orders care, manages no providers
    with pytest.raises(DomainError) as refused:
        save_provider(
            actor=grid_worker,
            provider=provider,
            name="改名",
            area=community_a,
            service_types=[service("bathing")],
            served_areas=[community_a],
            phone="13900000002",
        )
    assert refused.value.code == "not_allowed"


def test_orders_use_the_service_types_the_provider_offers(account, resident, provider):
    with pytest.raises(DomainError):
        place_order(
            actor=account,
            resident=resident,
            service_type=service("doctor_escort"),
            provider=provider,
            starts_at=tomorrow_at(9),
            ends_at=tomorrow_at(10),
        )


def test_a_second_tap_on_order_makes_no_second_order(order, account, resident, provider, grid_worker):
    """An elderly resident taps "Order" twice, or a worker orders what the resident already did: one order,
    one SMS to the provider."""
    for actor in (account, grid_worker):
        with pytest.raises(DomainError) as refused:
            order_for(actor, resident, provider, starts_at=tomorrow_at(10), ends_at=tomorrow_at(12))
        assert refused.value.code == "duplicate_order"
    assert Notification.objects.filter(idempotency_key__endswith=":place:provider").count() == 1
    # Another service, or the same one once the first order is cancelled, is a new order.
    order_for(account, resident, provider, code="cleaning")
    transition_order(order=order, action="cancel", actor=account)
    assert order_for(account, resident, provider).pk != order.pk


def test_a_provider_cannot_confirm_once_the_window_has_started(order):
    token = links.make_token(order)
    for late in (order.starts_at, order.ends_at + dt.timedelta(minutes=1)):
        with pytest.raises(DomainError) as refused:
            transition_order(order=order, action="confirm", provider_token=token, now=late)
        assert refused.value.code == "window_over"
    order.refresh_from_db()
    assert order.status == "requested"
    # Declining still works, so the resident hears back.
    declined = transition_order(
        order=order,
        action="decline",
        provider_token=token,
        note="时间已过",
        now=order.ends_at + dt.timedelta(minutes=1),
    )
    assert declined.status == "declined"


def test_a_community_manager_s_edit_keeps_the_wider_areas_the_administrator_set(worker_a, community_a):
    """The district's administrator lets a provider of community A serve the whole street; the community's
    worker, who cannot see the street in the form, edits the provider's name: the street stays served."""
    street = community_a.parent
    officer = staff_with_role(Role.ADMINISTRATOR, street.parent)
    provider = save_provider(
        actor=officer,
        name="康乐服务中心",
        area=community_a,
        service_types=[service("bathing")],
        served_areas=[street],
        phone="13900000002",
    )
    save_provider(
        actor=worker_a,
        provider=provider,
        name="康乐服务中心（新）",
        area=community_a,
        service_types=[service("bathing")],
        served_areas=[community_a],
        phone="13900000002",
    )
    assert {a.code for a in provider.served_areas.all()} == {street.code, community_a.code}
    # Choosing nothing the manager can see is still refused, whatever else the provider serves.
    with pytest.raises(DomainError) as refused:
        save_provider(
            actor=worker_a,
            provider=provider,
            name="康乐服务中心",
            area=community_a,
            service_types=[service("bathing")],
            served_areas=[],
            phone="13900000002",
        )
    assert refused.value.code == "served_areas_required"


@pytest.mark.parametrize("status", ["deceased", "moved_out"])
def test_no_care_is_ordered_for_someone_who_no_longer_lives_here(
    account, resident, provider, grid_worker, status
):
    type(resident).objects.filter(pk=resident.pk).update(residence_status=status)
    resident.refresh_from_db()
    for actor in (account, grid_worker):
        with pytest.raises(DomainError) as refused:
            order_for(actor, resident, provider)
        assert refused.value.code == "not_living_here"


def test_no_care_is_ordered_for_a_record_merged_into_another(grid_worker, resident, provider, grid_a):
    survivor = ResidentFactory(area=grid_a, household=resident.household)
    type(resident).objects.filter(pk=resident.pk).update(merged_into=survivor)
    resident.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        order_for(grid_worker, resident, provider)
    assert refused.value.code == "not_living_here"


def test_an_order_nobody_confirmed_lapses_when_its_time_comes(order, account, resident, provider):
    confirmed = order_for(account, resident, provider, starts_at=tomorrow_at(14), ends_at=tomorrow_at(16))
    transition_order(order=confirmed, action="confirm", provider_token=links.make_token(confirmed))
    later = order_for(account, resident, provider, starts_at=tomorrow_at(18), ends_at=tomorrow_at(20))

    assert lapse_unconfirmed_orders(now=order.starts_at - dt.timedelta(minutes=1)) == 0
    assert lapse_unconfirmed_orders(now=tomorrow_at(10)) == 1

    order.refresh_from_db()
    assert order.status == "cancelled" and order.closed_at is not None
    event = order.events.latest("id")
    assert (event.action, event.by, event.actor, event.from_status) == ("lapse", "system", None, "requested")
    told = {n.idempotency_key.rsplit(":", 1)[1]: n for n in sms(f"{order.pk}:lapse")}
    assert set(told) == {"provider", "resident"}
    assert provider.name in told["resident"].body and order.number in told["resident"].body
    # The confirmed order and the one whose time has not come are left alone; a second run changes nothing.
    confirmed.refresh_from_db()
    later.refresh_from_db()
    assert (confirmed.status, later.status) == ("confirmed", "requested")
    assert lapse_unconfirmed_orders(now=tomorrow_at(10)) == 0
    assert len(sms(f"{order.pk}:lapse")) == 2
    # The provider's link can no longer confirm it.
    with pytest.raises(DomainError) as refused:
        transition_order(order=order, action="confirm", provider_token=links.make_token(order))
    assert refused.value.code == "transition_not_allowed"


def test_an_order_long_past_lapses_without_news(order):
    assert lapse_unconfirmed_orders(now=order.ends_at + dt.timedelta(days=3)) == 1
    order.refresh_from_db()
    assert order.status == "cancelled" and order.events.latest("id").action == "lapse"
    assert sms(f"{order.pk}:lapse") == []


def test_the_tick_lapses_unconfirmed_orders(order):
    from linli.servicedesk.jobs import run_due_jobs

    assert run_due_jobs(now=order.starts_at + dt.timedelta(minutes=1), only="homecare_unconfirmed") == {
        "homecare_unconfirmed": 1
    }
    order.refresh_from_db()
    assert order.status == "cancelled"
