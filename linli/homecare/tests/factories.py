import datetime as dt

from django.utils import timezone

from linli.accounts.models import User
from linli.core.models import Area
from linli.core.phones import phone_blind_index
from linli.homecare.models import Order, Provider, ServiceType
from linli.homecare.services import place_order
from linli.registry.models import Resident


def service(code: str = "bathing") -> ServiceType:
    return ServiceType.objects.get(code=code)


def make_provider(
    area: Area,
    *,
    name: str = "康乐居家养老服务中心",
    types: tuple[str, ...] = ("bathing", "cleaning"),
    served: list[Area] | None = None,
    phone: str = "13900000001",
) -> Provider:
    """A provider managed in ``area`` and serving it (or ``served``), written as the tests' setup."""
    provider = Provider.objects.create(
        name=name, area=area, area_code=area.code, phone=phone, created_at=timezone.now()
    )
    provider.service_types.set(ServiceType.objects.filter(code__in=types))
    provider.served_areas.set(served if served is not None else [area])
    return provider


def resident_account(resident: Resident, *, username: str = "") -> User:
    """The phone account of a resident (as the login flow creates it)."""
    return User.objects.create(
        username=username or f"resident-{resident.pk}",
        kind="resident",
        phone=resident.phone,
        phone_index=phone_blind_index(resident.phone),
    )


def tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def order_for(actor, resident: Resident, provider: Provider, *, code: str = "bathing", **kwargs) -> Order:
    return place_order(
        actor=actor,
        resident=resident,
        service_type=service(code),
        provider=provider,
        starts_at=kwargs.pop("starts_at", tomorrow_at(9)),
        ends_at=kwargs.pop("ends_at", tomorrow_at(11)),
        **kwargs,
    )
