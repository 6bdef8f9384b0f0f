"""Every JSON document of the endpoint validates against the spec's JSON schemas."""

import datetime as dt

import pytest

from linli.servicedesk.models import ServiceItem
from linli.servicedesk.open311.tests.factories import app_key, building, grid, report_form
from linli.servicedesk.open311.tests.spec import schema_validator

pytest.importorskip("jsonschema")
pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


def assert_valid(schema: str, document) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in schema_validator(schema).iter_errors(document)]
    assert not errors, errors


@pytest.fixture
def reports(client):
    building(grid())
    key = app_key()[1]
    numbers = []
    for overrides in (
        {},
        {"lat": None, "long": None, "address_string": "石龙南路", "description": None},
        {
            "media_url": "https://example.org/p/1.jpg",
            "service_code": "manhole_cover",
            "attribute[problem]": "missing",
        },
    ):
        response = client.post(f"{BASE}/requests.json", report_form(key, **overrides))
        assert response.status_code == 200, response.content
        numbers.append(response.json()[0]["service_request_id"])
    return numbers


def test_the_service_list_validates(client, reports):
    assert_valid("services.json", client.get(f"{BASE}/services.json").json())


def test_every_service_definition_validates(client, reports):
    codes = [s["service_code"] for s in client.get(f"{BASE}/services.json").json()]
    assert codes
    for code in codes:
        document = client.get(f"{BASE}/services/{code}.json").json()
        assert_valid("service-definition.json", document)


def test_the_request_list_validates(client, reports):
    body = client.get(f"{BASE}/requests.json").json()

    assert len(body) == 3
    assert_valid("requests.json", body)


def test_each_request_validates_and_its_datetimes_have_an_offset(client, reports):
    for number in reports:
        body = client.get(f"{BASE}/requests/{number}.json").json()
        assert_valid("requests.json", body)
        assert_valid("request.json", body[0])
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert dt.datetime.fromisoformat(body[0][name]).utcoffset() is not None


def test_an_empty_catalogue_still_validates(client, reports):
    ServiceItem.objects.update(is_active=False)

    assert_valid("services.json", client.get(f"{BASE}/services.json").json())
