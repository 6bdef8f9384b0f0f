import datetime as dt

from linli.accounts.models import User
from linli.core.phones import phone_blind_index
from linli.registry.models import Resident
from linli.servicedesk.models import Case, ServiceItem
from linli.servicedesk.services import submit_case

# Submitted on Wednesday 4 March 2026, 10:00 in Beijing: no holiday nearby.
SUBMITTED = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)


def resident_account(resident: Resident, *, username: str = "") -> User:
    """The phone account of a resident (as the login flow creates it)."""
    return User.objects.create(
        username=username or f"resident-{resident.pk}",
        kind="resident",
        phone=resident.phone,
        phone_index=phone_blind_index(resident.phone),
    )


def item(code: str) -> ServiceItem:
    return ServiceItem.objects.get(code=code)


def window_case(
    worker: User, resident: Resident, *, code: str = "residence_certificate", now=SUBMITTED
) -> Case:
    """A case entered at the window by ``worker`` for ``resident``."""
    return submit_case(
        actor=worker,
        item=item(code),
        answers={"purpose": "school"},
        channel="window",
        resident=resident,
        now=now,
    )


def report_case(
    worker: User, area, *, code: str = "street_lamp", now=SUBMITTED, description: str = ""
) -> Case:
    return submit_case(
        actor=worker,
        item=item(code),
        answers={"problem": "off"},
        channel="window",
        area=area,
        address_string="测试路1号",
        description=description,
        now=now,
    )
