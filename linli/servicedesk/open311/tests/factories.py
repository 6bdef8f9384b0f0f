"""Open311 test helpers: a district with one mapped building, an app's key, cases of either channel."""

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.models import Area
from linli.core.tests.factories import area_tree
from linli.registry.models import Building
from linli.registry.tests.factories import BuildingFactory
from linli.servicedesk.models import Case, CaseStatus, ServiceItem
from linli.servicedesk.open311.models import Open311ApiKey, Open311App
from linli.servicedesk.open311.services import issue_api_key, register_app

DISTRICT = "110109"
GRID = "110109001001001"
# Where the test building stands: 39.94 N, 116.10 E (BuildingFactory's default).
LAT, LONG = 39.94, 116.10


def grid() -> Area:
    return area_tree(GRID)


def building(area: Area | None = None, **kwargs: Any) -> Building:
    return BuildingFactory(area=area or grid(), **kwargs)


def app_key(name: str = "城市随手拍") -> tuple[Open311ApiKey, str]:
    """An app registered by an administrator, with a fresh key (returned in clear once)."""
    admin = staff_with_role(Role.ADMINISTRATOR, area_tree(DISTRICT), username=f"o311-admin-{name}")
    app: Open311App = register_app(actor=admin, name=name)
    return issue_api_key(actor=admin, app=app)


def item(code: str = "street_lamp") -> ServiceItem:
    return ServiceItem.objects.get(code=code)


def report_form(key: str, **overrides: Any) -> dict[str, Any]:
    """A POST requests body as an app sends it (the spec's example, set in the district)."""
    form: dict[str, Any] = {
        "api_key": key,
        "jurisdiction_id": DISTRICT,
        "service_code": "street_lamp",
        "lat": str(LAT),
        "long": str(LONG),
        "address_string": "测试路1号楼东侧",
        "description": "路灯不亮已经三天了",
        "attribute[problem]": "off",
    }
    form.update(overrides)
    return {name: value for name, value in form.items() if value is not None}


def bulk_cases(
    count: int,
    *,
    area: Area,
    code: str = "street_lamp",
    submitted_at: dt.datetime | None = None,
    prefix: str = "BULK",
) -> list[Case]:
    """Many cases at once, written directly: for limits, not for behaviour."""
    service = item(code)
    at = submitted_at or timezone.now() - dt.timedelta(days=1)
    cases = [
        Case(
            number=f"{prefix}{n:08d}",
            item=service,
            status=CaseStatus.SUBMITTED,
            channel="window",
            area=area,
            area_code=area.code,
            department=service.department,
            queue=service.queue,
            submitted_at=at - dt.timedelta(seconds=n),
            updated_at=at,
            due_at=at + dt.timedelta(days=3),
        )
        for n in range(count)
    ]
    return Case.objects.bulk_create(cases)


def xml_of(response: Any) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def json_of(response: Any) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()
