"""Writes of home care: providers, placing orders, moving them through the workflow, rating them.

``transition_order`` is the one place that changes an order's status. Messages go through the SMS outbox,
one per order and event (the idempotency key is ``homecare:<order id>:<action>:<recipient>``).
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability, scope_prefixes
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.models import Area
from linli.core.phones import normalize_mobile
from linli.core.ratings import BAD_RATINGS, RatingLevel
from linli.core.services import queue_sms, record_audit_event
from linli.homecare import links
from linli.homecare.models import (
    CLOSED_STATUSES,
    EventBy,
    Order,
    OrderChannel,
    OrderEvent,
    OrderRating,
    OrderStatus,
    Provider,
    ServiceType,
)
from linli.homecare.workflow import TRANSITIONS
from linli.registry.choices import ResidenceStatus
from linli.registry.models import Resident

# Nobody goes to the door of someone who moved out or died (a family's shared phone may still list them).
GONE = (ResidenceStatus.MOVED_OUT, ResidenceStatus.DECEASED)

# The longest window one order may ask for, and how far ahead it may be ordered.
MAX_WINDOW = dt.timedelta(hours=12)
MAX_AHEAD = dt.timedelta(days=60)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def window_text(order: Order) -> str:
    start, end = _local(order.starts_at), _local(order.ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def public_base_url(base_url: str = "") -> str:
    """Where links in messages point: the LINLI_PUBLIC_URL setting when set (a worker on the intranet
    address must not send a provider a link it cannot open), else the request's site."""
    base = str(getattr(settings, "LINLI_PUBLIC_URL", "") or "") or base_url or "http://127.0.0.1:8000"
    return base.rstrip("/")


def provider_link(order: Order, *, base_url: str = "") -> str:
    path = reverse("homecare:provider_link", args=[order.number, links.make_token(order)])
    return public_base_url(base_url) + path


# --- providers ------------------------------------------------------------------------------------


def _within(actor: Any, code: str) -> bool:
    return any(code.startswith(p) for p in scope_prefixes(actor, Capability.MANAGE_HOME_CARE))


@transaction.atomic
def save_provider(
    *,
    actor: Any,
    name: str,
    area: Area,
    service_types: Iterable[ServiceType],
    served_areas: Iterable[Area],
    phone: str,
    contact_name: str = "",
    is_active: bool = True,
    provider: Provider | None = None,
    now: dt.datetime | None = None,
) -> Provider:
    """Register or edit a provider: a manager (MANAGE_HOME_CARE) over its area, serving only areas within
    the manager's own scope, with at least one service type and a mobile phone for order links."""
    now = now or timezone.now()
    types, served = list(service_types), list(served_areas)
    if provider is not None:
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        if not _within(actor, provider.area_code):
            raise DomainError("not_allowed", _("You may not manage this provider."))
    if not _within(actor, area.code):
        raise DomainError("not_in_your_area", _("This area is not in your scope."), field="area")
    if not name.strip():
        raise DomainError("name_required", _("Please give the provider's name."), field="name")
    if not types:
        raise DomainError("service_types_required", _("Choose at least one service."), field="service_types")
    if not served:
        raise DomainError(
            "served_areas_required", _("Choose where the provider serves."), field="served_areas"
        )
    outside = [a.name for a in served if not _within(actor, a.code)]
    if outside:
        raise DomainError(
            "served_area_out_of_scope",
            _("These areas are not in your scope: %(areas)s") % {"areas": "、".join(outside)},
            field="served_areas",
        )
    number = normalize_mobile(phone)
    if provider is not None:
        # Areas outside the manager's scope (set by a manager above) are not in their form: keep them.
        served += [a for a in provider.served_areas.all() if not _within(actor, a.code) and a not in served]
    created = provider is None
    if provider is None:
        provider = Provider(created_at=now)
    provider.name = name.strip()[:100]
    provider.area = area
    provider.area_code = area.code
    provider.contact_name = contact_name.strip()[:64]
    provider.phone = number
    provider.is_active = is_active
    provider.save()
    provider.service_types.set(types)
    provider.served_areas.set(served)
    record_audit_event(
        actor=actor,
        action="homecare.provider_create" if created else "homecare.provider_edit",
        object_type="homecare_provider",
        object_id=provider.pk,
        area_code=area.code,
        data={"types": sorted(t.code for t in types), "served": sorted(a.code for a in served)},
    )
    return provider


def provider_serves(provider: Provider, area_code: str) -> bool:
    return any(area_code.startswith(a.code) for a in provider.served_areas.all())


# --- orders ---------------------------------------------------------------------------------------


def address_of(resident: Resident) -> str:
    """The resident's address from the golden record: their household's, else the one a source reported."""
    household = resident.household
    if household is not None:
        return f"{household.building.address} {household.room}".strip()
    return str(resident.address or "")


def _owns(actor: Any, resident: Resident) -> bool:
    return (
        getattr(actor, "kind", None) == "resident"
        and bool(actor.phone_index)
        and resident.phone_index == actor.phone_index
        and resident.merged_into_id is None
    )


def order_number(order: Order) -> str:
    return f"HC{_local(order.created_at):%Y%m%d}{order.pk:06d}"


_MESSAGES: dict[str, list[tuple[str, str]]] = {
    "place": [
        (
            "provider",
            gettext_noop(
                "[Linli] New home-care order %(number)s: %(service)s, %(when)s, %(place)s. "
                "Please confirm or decline: %(link)s"
            ),
        ),
        (
            "resident",
            gettext_noop(
                "[Linli] Your home-care order %(number)s (%(service)s, %(when)s) was sent to %(provider)s. "
                "We will tell you when they confirm."
            ),
        ),
    ],
    "confirm": [
        (
            "resident",
            gettext_noop(
                "[Linli] %(provider)s confirmed your home-care order %(number)s: %(service)s, %(when)s."
            ),
        )
    ],
    "decline": [
        (
            "resident",
            gettext_noop(
                "[Linli] %(provider)s cannot take your home-care order %(number)s (%(note)s). "
                "Please order again or call your community."
            ),
        )
    ],
    "finish": [
        (
            "resident",
            gettext_noop(
                "[Linli] %(provider)s says the service of order %(number)s is finished. "
                "Please confirm it and rate the service."
            ),
        )
    ],
    "cancel": [
        (
            "provider",
            gettext_noop("[Linli] Home-care order %(number)s (%(service)s, %(when)s) was cancelled."),
        ),
        ("resident", gettext_noop("[Linli] Your home-care order %(number)s was cancelled.")),
    ],
    "lapse": [
        (
            "provider",
            gettext_noop(
                "[Linli] Home-care order %(number)s (%(service)s, %(when)s) was cancelled: "
                "it was not confirmed before its time."
            ),
        ),
        (
            "resident",
            gettext_noop(
                "[Linli] %(provider)s did not confirm your home-care order %(number)s "
                "(%(service)s, %(when)s) in time, so it is cancelled. "
                "Please order again or call your community."
            ),
        ),
    ],
}


def _notify(order: Order, action: str, *, acted_by: str, note: str = "", base_url: str = "") -> None:
    """The messages of one order event, each queued once: its key names the order, the event and the
    recipient, so a retried request or task never sends it twice. Nobody is told what they did themselves."""
    for to, message in _MESSAGES.get(action, []):
        if to == acted_by:
            continue
        phone = str(order.provider.phone) if to == "provider" else str(order.phone)
        if not phone:
            continue
        params = {
            "number": order.number,
            "service": order.service_type.name,
            "when": window_text(order),
            "provider": order.provider.name,
            "place": order.area.name,
            "note": note[:40],
            "link": provider_link(order, base_url=base_url) if to == "provider" and action == "place" else "",
        }
        with override(settings.LANGUAGE_CODE):
            body = gettext(message) % params
        queue_sms(
            phone=phone,
            body=body,
            purpose=f"homecare_{action}",
            idempotency_key=f"homecare:{order.pk}:{action}:{to}",
        )


@transaction.atomic
def place_order(
    *,
    actor: Any,
    resident: Resident,
    service_type: ServiceType,
    provider: Provider,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    note: str = "",
    base_url: str = "",
    now: dt.datetime | None = None,
) -> Order:
    """Order home care for a resident: by the resident (their own record, by phone) or by a worker with
    ORDER_CARE over the resident's area. The window lies ahead, the provider offers the service and serves
    the resident's area, and the address comes from the golden record. The provider gets an SMS with a
    signed link to confirm or decline."""
    now = now or timezone.now()
    is_worker = getattr(actor, "kind", None) == "staff" and actor.is_authenticated
    if is_worker:
        if not has_capability(actor, Capability.ORDER_CARE, resident.area.code):
            raise DomainError("not_in_your_area", _("This resident is not in your area."), field="resident")
    elif not _owns(actor, resident):
        raise DomainError("not_your_record", _("You can order only for yourself."), field="resident")
    if resident.merged_into_id is not None or resident.residence_status in GONE:
        raise DomainError(
            "not_living_here",
            _("This person is not recorded as living here, so home care cannot be ordered for them."),
            field="resident",
        )
    if not service_type.is_active:
        raise DomainError("service_unavailable", _("This service is not offered now."), field="service_type")
    if not provider.is_active or not provider.service_types.filter(pk=service_type.pk).exists():
        raise DomainError(
            "provider_does_not_offer",
            _("%(provider)s does not offer %(service)s.")
            % {"provider": provider.name, "service": service_type.name},
            field="provider",
        )
    if not provider_serves(provider, resident.area.code):
        raise DomainError(
            "provider_does_not_serve",
            _("%(provider)s does not serve your area.") % {"provider": provider.name},
            field="provider",
        )
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise DomainError("window_naive", _("Please give the date and time."), field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("window_order", _("The end time must be after the start time."), field="ends_at")
    if starts_at <= now:
        raise DomainError("window_past", _("Please choose a time in the future."), field="starts_at")
    if ends_at - starts_at > MAX_WINDOW:
        raise DomainError("window_too_long", _("A visit can last at most 12 hours."), field="ends_at")
    if starts_at > now + MAX_AHEAD:
        raise DomainError("window_too_far", _("Orders can be made at most 60 days ahead."), field="starts_at")
    # Serialise the orders of one resident (a double tap sends two requests at once), then refuse a second
    # open order of the same service in an overlapping window.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    open_statuses = [s for s in OrderStatus.values if s not in CLOSED_STATUSES]
    if Order.objects.filter(
        resident=resident,
        service_type=service_type,
        status__in=open_statuses,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).exists():
        raise DomainError(
            "duplicate_order",
            _("There is already an order for this service at this time. Please look in “My orders”."),
            field="starts_at",
        )
    address = address_of(resident)
    if not address:
        raise DomainError(
            "no_address",
            _("We have no address for this resident. Please ask the community to record it."),
            field="resident",
        )
    phone = str(resident.phone or (actor.phone if not is_worker else "") or "")
    order = Order.objects.create(
        number=f"new-{links.new_link_key()[:16]}",
        status=OrderStatus.REQUESTED,
        channel=OrderChannel.ON_BEHALF if is_worker else OrderChannel.ONLINE,
        resident=resident,
        area=resident.area,
        area_code=resident.area.code,
        provider=provider,
        service_type=service_type,
        starts_at=starts_at,
        ends_at=ends_at,
        address=address,
        phone=phone,
        note=note.strip()[:500],
        account=None if is_worker else actor,
        ordered_by=actor if is_worker else None,
        link_key=links.new_link_key(),
        created_at=now,
        updated_at=now,
    )
    order.number = order_number(order)
    order.save(update_fields=["number"])
    by = EventBy.WORKER if is_worker else EventBy.RESIDENT
    OrderEvent.objects.create(
        order=order, at=now, by=by, actor=actor, action="place", to_status=order.status, note=order.note
    )
    record_audit_event(
        actor=actor,
        action="homecare.order_place",
        object_type="homecare_order",
        object_id=order.pk,
        area_code=order.area_code,
        data={"provider": provider.pk, "service": service_type.code, "channel": order.channel},
    )
    _notify(order, "place", acted_by=str(by), base_url=base_url)
    return order


def acting_as(actor: Any, order: Order) -> str | None:
    """Who ``actor`` is for this order: its resident, a worker over its area, or nobody."""
    if getattr(actor, "kind", None) == "resident" and actor.is_authenticated:
        from linli.homecare.access import owns_order

        return EventBy.RESIDENT if owns_order(actor, order) else None
    if has_capability(actor, Capability.ORDER_CARE, order.area_code):
        return EventBy.WORKER
    return None


@transaction.atomic
def transition_order(
    *,
    order: Order,
    action: str,
    actor: Any = None,
    provider_token: str = "",
    by_system: bool = False,
    note: str = "",
    now: dt.datetime | None = None,
    quiet: bool = False,
) -> Order:
    """Move an order along the transition table, under its row lock, and append the history row.

    A provider acts with the order's signed link (``provider_token``); residents and workers with their
    account; Linli's own jobs with ``by_system``. Refused transitions raise DomainError; the parties
    concerned get one SMS per event, unless ``quiet`` (news of an order long past helps nobody).
    """
    now = now or timezone.now()
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise DomainError("unknown_action", _("Unknown action."), field="action")
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("provider", "service_type", "area")
        .get(pk=order.pk)
    )
    if by_system:
        by: str | None = EventBy.SYSTEM
    elif provider_token:
        if not links.token_opens(provider_token, locked, now=now):
            raise DomainError("link_invalid", _("This link is not valid any more."), field="action")
        by = EventBy.PROVIDER
    else:
        by = acting_as(actor, locked) if actor is not None else None
    if by is None or by not in transition.by:
        raise DomainError("not_allowed", _("You may not do this on this order."), field="action")
    if locked.status not in transition.sources:
        raise DomainError(
            "transition_not_allowed",
            _("An order that is “%(status)s” cannot be changed this way (%(action)s).")
            % {"status": locked.get_status_display(), "action": transition.label},
            field="action",
        )
    # From the start of its window an unconfirmed order lapses (``lapse_unconfirmed_orders``): no later
    # confirmation, so the resident is never told both "cancelled" and "confirmed".
    if action == "confirm" and now >= locked.starts_at:
        raise DomainError(
            "window_over",
            _("The time of this order has passed: it can no longer be confirmed. Please decline it."),
            field="action",
        )
    if transition.note_required and not note.strip():
        raise DomainError("note_required", _("Please give a reason."), field="note")
    previous = locked.status
    locked.status = transition.target
    locked.updated_at = now
    update = ["status", "updated_at"]
    if locked.is_closed:
        locked.closed_at = now
        update.append("closed_at")
    locked.save(update_fields=update)
    OrderEvent.objects.create(
        order=locked,
        at=now,
        by=by,
        actor=actor if by != EventBy.PROVIDER and getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=previous,
        to_status=locked.status,
        note=note.strip()[:500],
    )
    record_audit_event(
        actor=actor if by != EventBy.PROVIDER else None,
        action=f"homecare.order_{action}",
        object_type="homecare_order",
        object_id=locked.pk,
        area_code=locked.area_code,
        data={"from": previous, "to": locked.status, "by": by},
    )
    if not quiet:
        _notify(locked, action, acted_by=by, note=note.strip())
    return locked


def lapse_unconfirmed_orders(*, now: dt.datetime | None = None) -> int:
    """Cancel each order still waiting for its provider when its window starts, and tell the resident and
    the provider; returns how many lapsed. Each order lapses in its own transaction, under its row lock, so
    a provider confirming at the same moment wins or loses cleanly. Orders whose window is already over (the
    first run after the job was down) lapse without an SMS."""
    now = now or timezone.now()
    waiting = Order.objects.filter(status=OrderStatus.REQUESTED, starts_at__lte=now).order_by("starts_at")
    lapsed = 0
    for order in waiting.only("pk", "ends_at"):
        try:
            transition_order(order=order, action="lapse", by_system=True, now=now, quiet=now >= order.ends_at)
        except DomainError:
            continue  # confirmed, declined or cancelled since it was read
        lapsed += 1
    return lapsed


@transaction.atomic
def rate_order(
    *, actor: Any, order: Order, level: int, comment: str = "", now: dt.datetime | None = None
) -> OrderRating:
    """Rate a completed order once, on the five national levels (好差评): by its resident, or recorded for
    them by a worker. A bad rating needs a comment; it shows on the provider's page."""
    now = now or timezone.now()
    locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    by = acting_as(actor, locked)
    if by is None:
        raise DomainError("not_allowed", _("You may not rate this order."), field="level")
    if locked.status != OrderStatus.COMPLETED:
        raise DomainError("order_not_completed", _("An order is rated when it is completed."), field="level")
    if level not in RatingLevel.values:
        raise DomainError("rating_level", _("Choose one of the five levels."), field="level")
    if OrderRating.objects.filter(order=locked).exists():
        raise DomainError("already_rated", _("This order has been rated."), field="level")
    if level in BAD_RATINGS and not comment.strip():
        raise DomainError("comment_required", _("Please tell us what went wrong."), field="comment")
    rating = OrderRating.objects.create(
        order=locked,
        provider_id=locked.provider_id,
        level=level,
        comment=comment.strip()[:2000],
        by=by,
        rated_by=actor,
        rated_at=now,
        area_code=locked.area_code,
    )
    OrderEvent.objects.create(
        order=locked,
        at=now,
        by=by,
        actor=actor,
        action="rate",
        from_status=locked.status,
        to_status=locked.status,
        note=str(RatingLevel(level).label),
    )
    record_audit_event(
        actor=actor,
        action="homecare.order_rate",
        object_type="homecare_order",
        object_id=locked.pk,
        area_code=locked.area_code,
        data={"level": level, "provider": locked.provider_id},
    )
    return rating


def record_provider_view(*, order: Order, revealed: bool) -> None:
    """A provider opened its link; when the page showed the address and phone in full, that is audited."""
    if revealed:
        record_audit_event(
            actor=None,
            action="homecare.provider_link_reveal",
            object_type="homecare_order",
            object_id=order.pk,
            area_code=order.area_code,
            data={"provider": order.provider_id},
        )
