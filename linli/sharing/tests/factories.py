"""Department clients, tokens and grants for tests; grants go through the services with two officers."""

import datetime as dt

import factory
from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.models import Area
from linli.core.tests.factories import area_tree
from linli.sharing import services
from linli.sharing.models import DepartmentClient, Grant

DISTRICT = "110109"


class DepartmentClientFactory(factory.django.DjangoModelFactory[DepartmentClient]):
    class Meta:
        model = DepartmentClient

    name = factory.Sequence(lambda n: f"数据交换系统{n}")
    department = "民政局"
    contact = "技术科"
    area = factory.LazyFunction(lambda: area_tree(DISTRICT))


def officers(area: Area | None = None):
    """A department officer who requests grants and a district officer who approves them, over ``area``'s
    district."""
    district = area_tree((area.code if area is not None else DISTRICT)[:6])
    requester = staff_with_role(Role.DEPARTMENT_OFFICER, district)
    approver = staff_with_role(Role.DISTRICT_OFFICER, district)
    return requester, approver


def make_grant(
    *,
    client: DepartmentClient,
    fields: list[str],
    area: Area,
    approve: bool = True,
    days: int = 30,
    requester=None,
    approver=None,
) -> Grant:
    if requester is None or approver is None:
        requester, approver = officers(area)
    grant = services.request_grant(
        actor=requester,
        client=client,
        fields=fields,
        area=area,
        purpose="核对最低生活保障对象",
        legal_basis="《社会救助暂行办法》第十一条",
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    if approve:
        grant = services.approve_grant(actor=approver, grant=grant)
    return grant


def client_with_token(**kwargs) -> tuple[DepartmentClient, str]:
    client = DepartmentClientFactory(**kwargs)
    _requester, approver = officers(client.area)
    _token, key = services.issue_client_token(actor=approver, client=client)
    return client, key


_sequence = iter(range(1, 1_000_000))


def resident_in(grid: Area, *, name: str = "", household=None, **fields):
    """A resident registered through the registry service (so the change log has its rows)."""
    from linli.registry.services import register_resident
    from linli.registry.tests.factories import HouseholdFactory, make_id_number

    n = next(_sequence)
    household = household or HouseholdFactory(building__area=grid, area=grid)
    # Birth dates of their own, so that the numbers never meet those of the registry's factories.
    number = make_id_number(n, birth=dt.date(1940, 1, 1) + dt.timedelta(days=n))
    defaults = {"id_number": number, "phone": f"139{n:08d}", "address": f"测试路{n}号"}
    return register_resident(
        actor=None, household=household, name=name or f"居民{n}", **{**defaults, **fields}
    )
