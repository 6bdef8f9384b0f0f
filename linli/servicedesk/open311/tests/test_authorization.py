"""Authorization of Open311: the GET methods are public and the same for everyone, staff of every role,
anonymous visitors and token holders alike, and none of them ever returns personal data; POST requests takes
an Open311 app's api_key and nothing else (no staff session, staff token or department token).

Personal data planted for the check: a resident of the world's inside grid (name, ID number, phone), an
Open311 reporter (name, phone, email, device and account ids, and numbers written into the description),
and a worker's report at the window naming the resident as requester.
"""

import pytest
from django.test import Client
from django.urls import reverse

from linli.accounts.roles import Role
from linli.registry.tests.factories import BuildingFactory
from linli.servicedesk.models import Case
from linli.servicedesk.open311.models import Open311Report, Open311Service, RequestType
from linli.servicedesk.open311.tests.factories import app_key, item, report_form
from linli.servicedesk.services import submit_case
from linli.servicedesk.tests.factories import window_case
from linli.sharing.services import issue_client_token
from linli.sharing.tests.factories import DepartmentClientFactory
from tests.matrix import World

DISTRICT = "110109"
REPORTER = {
    "first_name": "明月",
    "last_name": "欧阳",
    "phone": "13987654321",
    "email": "ouyang.mingyue@example.com",
    "device_id": "device-7f3a9",
    "account_id": "acct-55821",
}
ID_IN_TEXT = "11010519491231002X"


def personal_strings(world: World) -> list[str]:
    resident = world.inside().resident
    return [
        resident.name,
        resident.id_number,
        resident.phone,
        ID_IN_TEXT,
        "欧阳明月",
        *REPORTER.values(),
    ]


@pytest.fixture
def planted(world: World):
    """Reports and applications carrying personal data; returns the case numbers and the report's token."""
    place = world.inside()
    BuildingFactory(area=place.grid)  # a mapped building at the default test point
    Open311Service.objects.create(item=item("noise"), request_type=RequestType.BATCH)
    key = app_key()[1]
    description = f"楼下路灯不亮，我是欧阳明月，电话{REPORTER['phone']}，身份证{ID_IN_TEXT}"
    response = Client().post(
        "/open311/v2/requests.json", report_form(key, description=description, **REPORTER)
    )
    assert response.status_code == 200, response.content
    worker = world.users[Role.COMMUNITY_WORKER]
    at_window = submit_case(
        actor=worker,
        item=item("street_lamp"),
        answers={"problem": "off"},
        channel="window",
        area=place.grid,
        address_string="测试路1号",
        description=f"{place.resident.name}反映路灯不亮，电话{place.resident.phone}",
        requester_name=place.resident.name,
        requester_phone=place.resident.phone,
    )
    person_case = window_case(worker, place.resident)
    report = Open311Report.objects.get()
    return {"numbers": [report.case.number, at_window.number, person_case.number], "token": report.token}


def public_urls(planted) -> list[str]:
    urls = [reverse("open311:root")]
    for fmt in ("xml", "json"):
        urls += [
            reverse("open311:discovery", kwargs={"fmt": fmt}),
            reverse("open311:services", kwargs={"fmt": fmt}),
            reverse("open311:service", kwargs={"fmt": fmt, "service_code": "street_lamp"}),
            reverse("open311:service", kwargs={"fmt": fmt, "service_code": "residence_certificate"}),
            reverse("open311:requests", kwargs={"fmt": fmt}),
            reverse("open311:token", kwargs={"fmt": fmt, "token": planted["token"]}),
            reverse("open311:invalid_url", kwargs={"path": f"residents.{fmt}"}),
        ]
        urls += [
            reverse("open311:request", kwargs={"fmt": fmt, "service_request_id": number})
            for number in planted["numbers"]
        ]
    return [f"{url}?jurisdiction_id={DISTRICT}" for url in urls]


def test_public_methods_return_no_personal_data_to_any_role_or_anonymous(world, planted):
    secrets = personal_strings(world)
    anonymous = Client()
    for url in public_urls(planted):
        seen = anonymous.get(url)
        body = seen.content.decode()
        for secret in secrets:
            assert secret not in body, f"{url} shows {secret}"
        for role in Role:
            as_staff = world.clients[role].get(url)
            assert (as_staff.status_code, as_staff.content) == (seen.status_code, seen.content), (url, role)
            with_token = anonymous.get(url, headers={"Authorization": f"Bearer {world.tokens[role]}"})
            assert with_token.content == seen.content, (url, role)


def test_public_requests_list_the_reports_but_not_the_application_about_a_person(world, planted):
    report, at_window, person_case = planted["numbers"]

    listed = Client().get(f"/open311/v2/requests.json?jurisdiction_id={DISTRICT}").json()

    assert sorted(r["service_request_id"] for r in listed) == sorted([report, at_window])
    by_id = {r["service_request_id"]: r for r in listed}
    # The reporter's own words stay, their numbers do not; a worker's description is never published.
    assert by_id[report]["description"].startswith("楼下路灯不亮")
    assert by_id[at_window]["description"] is None
    assert (
        Client().get(f"/open311/v2/requests/{person_case}.json?jurisdiction_id={DISTRICT}").status_code == 404
    )


def test_post_requests_refuses_every_credential_but_an_open311_key(world, planted):
    form = report_form("", api_key=None)
    department_key = issue_client_token(
        actor=world.users[Role.DISTRICT_OFFICER],
        client=DepartmentClientFactory(),
    )[1]
    url = "/open311/v2/requests.json"
    before = Case.objects.count()
    for role in Role:
        staff = world.clients[role]
        assert staff.post(url, form).status_code == 403, role
        assert staff.post(url, {**form, "api_key": world.tokens[role]}).status_code == 403, role
        bearer = {"Authorization": f"Bearer {world.tokens[role]}"}
        assert Client().post(url, form, headers=bearer).status_code == 403, role
    assert Client().post(url, {**form, "api_key": department_key}).status_code == 403
    refused = Client().post(url, {**form, "api_key": department_key}).json()
    assert refused == [
        {"code": 403, "description": "Invalid api_key received -- can't proceed with create_request."}
    ]
    assert Case.objects.count() == before
    # The same body with an app's key is accepted.
    assert Client().post(url, report_form(app_key("另一个应用")[1])).status_code == 200


def test_an_open311_key_opens_nothing_else(world, planted, client):
    key = app_key("第三个应用")[1]
    bearer = {"Authorization": f"Bearer {key}"}

    assert client.get("/api/v1/residents", headers=bearer).status_code == 401
    assert client.get("/api/v1/sharing/residents", headers=bearer).status_code == 401
